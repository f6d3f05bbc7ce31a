import type { IntegrationResync, Integrations } from "../../store/index.ts";
import type { ChangesGap } from "./changesGap.ts";
import type { HealthEvent } from "./integrationHealth.ts";
import { type ResyncJobDependencies, runResync } from "./resyncJob.ts";

/** One integration's full resyncs, while its sync runs (the holder of its lease runs them). */
export type IntegrationResyncs = {
  /** Facts the integration had not synced are gone from CHANGES: logs it, marks it, and resyncs. */
  gapFound: (gap: ChangesGap) => Promise<void>;
  /** Runs the resync under way, unless it is running already. */
  run: (resync: IntegrationResync) => void;
  /** Stops a resync running (it goes on at the next start) and waits for it. */
  stop: () => Promise<void>;
};

export function createIntegrationResyncs(
  deps: ResyncJobDependencies & {
    integrations: Pick<Integrations, "requestResync" | "recordResyncProgress" | "finishResync">;
    health: (event: HealthEvent) => void;
  },
): IntegrationResyncs {
  const { integrationId, account, log } = deps;
  let stopped = false;
  /** Resyncs that ended here: the worker may still hand one over from a look before it ended. */
  const ended = new Set<string>();
  let running: { resync: IntegrationResync; abort: AbortController; done: Promise<void> } | undefined;

  const run = (resync: IntegrationResync) => {
    // The worker may hand over a resync read before a gap replaced it.
    if (stopped || ended.has(resync.id) || (running && running.resync.requestedAt >= resync.requestedAt)) return;
    // A newer resync replaces the one running: the store only records the newer one's progress.
    running?.abort.abort();
    const abort = new AbortController();
    const done = runResync(resync, deps, abort.signal).then(
      (finished) => {
        if (!finished) return;
        ended.add(resync.id);
        deps.health({ type: "resyncAsked" });
      },
      // Left under way in the store: the worker hands it over again at its next look.
      (error: unknown) => log.error({ err: error, resync: resync.id }, "the resync did not finish; it goes on"),
    );
    running = { resync, abort, done };
    void done.finally(() => {
      if (running?.done === done) running = undefined;
    });
  };

  return {
    async gapFound(gap) {
      const reason = `CHANGES no longer holds facts ${gap.firstLost}–${gap.lastLost}, which this integration had not synced; resyncing every customer from its current state`;
      log.warn({ ...gap }, "a gap in CHANGES; a full resync is requested");
      await deps.syncLog.record([
        { integrationId, account, customerId: "", item: "gap", factId: "", part: 0, httpStatus: 0, message: reason },
      ]);
      const resync = await deps.integrations.requestResync(integrationId, "GAP");
      deps.health({ type: "gapFound", reason });
      if (resync) run(resync);
    },
    run,
    async stop() {
      stopped = true;
      running?.abort.abort();
      await running?.done;
    },
  };
}
