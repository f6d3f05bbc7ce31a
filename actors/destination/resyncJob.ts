import type { Logger } from "pino";
import type { IngestCommandDraft } from "../../model/index.ts";
import type { CustomerIdPages, IntegrationResync, Integrations, SyncLog } from "../../store/index.ts";
import type { CommandPublisher } from "../../streams/index.ts";

export type ResyncJobDependencies = {
  integrationId: string;
  account: string;
  customerIds: CustomerIdPages;
  commands: CommandPublisher;
  integrations: Pick<Integrations, "recordResyncProgress" | "finishResync">;
  syncLog: Pick<SyncLog, "record">;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** True while this process's lease on the integration holds: past it, the next holder resyncs. */
  holds: () => boolean;
  log: Logger;
};

/** Customers asked per page: one atomic batch of commands (at most 1,000). */
const PAGE = 500;
/** How long a page that could not be asked waits before it is asked again. */
const RETRY_MS = 1_000;

/**
 * Runs a full resync: asks every customer of the account, in id order, for its whole current state
 * (`integration.resync`), which its actor answers in order with its other facts, so what the
 * provider receives is never older than a fact already in CHANGES. Each command's id is derived
 * from the resync and the customer, and progress is recorded page by page, so a resync cut short
 * (a crash, a lost lease) goes on from where it was without asking anyone twice. Ends when every
 * customer was asked (the sync log says how many), when `signal` aborts, or when the lease no
 * longer holds (what is left goes on with the next holder); true when it ended. A failure is
 * logged and the page asked again.
 */
export async function runResync(
  resync: IntegrationResync,
  deps: ResyncJobDependencies,
  signal: AbortSignal,
): Promise<boolean> {
  const { integrationId, account } = deps;
  const log = deps.log.child({ resync: resync.id, reason: resync.reason });
  let after = resync.after;
  let asked = resync.asked;
  while (!signal.aborted) {
    try {
      const ids = await deps.customerIds(account, after, PAGE);
      if (ids.length === 0) break;
      // Stopped, replaced by a newer resync, or the lease lapsed while the page was read: nobody more is asked.
      if (signal.aborted || !deps.holds()) return false;
      await deps.commands.publish(ids.map((customerId) => askFor(resync.id, integrationId, account, customerId)));
      after = ids.at(-1);
      asked += ids.length;
      if (after !== undefined) await deps.integrations.recordResyncProgress(integrationId, resync.id, after, asked);
    } catch (error) {
      log.error({ err: error, after }, "could not ask a page of customers for the resync; asking again");
      await deps.sleep(RETRY_MS, signal).catch(() => undefined);
    }
  }
  if (signal.aborted || !deps.holds()) return false;
  const why = resync.reason === "GAP" ? "after a gap in CHANGES" : "as requested";
  const message = `full resync ${resync.id} ${why}: ${asked} customers asked for their current state`;
  await deps.syncLog.record([
    { integrationId, account, customerId: "", item: "resync", factId: "", part: 0, httpStatus: 0, message },
  ]);
  await deps.integrations.finishResync(integrationId, resync.id);
  log.info({ asked }, "every customer was asked for its current state");
  return true;
}

function askFor(resyncId: string, integrationId: string, account: string, customerId: string): IngestCommandDraft {
  return {
    type: "integration.resync",
    data: { integrationId, resyncId },
    metadata: { account, customerId },
    id: { derived: `resync:${resyncId}:${customerId}` },
  };
}
