import { Cron } from "croner";
import type { Logger } from "pino";
import { ruleBoundsProblem } from "../../rules/index.ts";
import { type AudienceRuns, type Audiences, DEFAULT_SWEEP_SCHEDULE } from "../../store/index.ts";
import { type AudienceRunJob, enqueueAudienceRun, type NatsLink } from "../../streams/index.ts";

export type SweepSchedulerOptions = {
  link: NatsLink;
  audiences: Audiences;
  runs: AudienceRuns;
  now: () => Date;
  log: Logger;
  /** How often due sweeps are looked for. */
  tickMs?: number;
};

export type SweepScheduler = { tick: () => Promise<void>; stop: () => Promise<void> };

/** The latest time at or before `now` the schedule fires (UTC); undefined if none. */
export function latestSlot(schedule: string, now: Date): Date | undefined {
  return new Cron(schedule, { paused: true, timezone: "UTC" }).previousRuns(1, now)[0];
}

/**
 * Starts each RULES audience's sweep when its schedule comes due. Every `audiences` process runs a
 * scheduler; the run id derives from the audience and the slot, so however many processes see it
 * due, one run is created and queued once; then the slot is marked swept (`claimSweep`). Missed slots
 * collapse into one sweep: a sweep looks at the present, not at the slot's time.
 */
export function startSweepScheduler(options: SweepSchedulerOptions): SweepScheduler {
  const tick = async () => {
    const now = options.now();
    for (const audience of await options.audiences.all()) {
      // A rule beyond the bounds (stored before they existed) is not evaluated: its sweeps would only fail.
      if (audience.kind !== "RULES" || audience.deleting || ruleBoundsProblem(audience.rules)) continue;
      const slot = latestSlot(audience.sweepSchedule ?? DEFAULT_SWEEP_SCHEDULE, now);
      const since = audience.lastSweepAt ?? audience.createdAt;
      if (!slot || slot.getTime() <= since.getTime()) continue;
      const job: AudienceRunJob = {
        runId: `sweep_${audience._id}_${slot.getTime()}`,
        account: audience.account,
        audienceId: audience._id,
        kind: "SWEEP",
      };
      // Each step is idempotent (the run id is unique, the queue drops a repeated id), and the slot
      // is claimed last: a process that dies midway leaves the slot due, and the next tick finishes it.
      await options.runs.create({ _id: job.runId, account: job.account, audienceId: job.audienceId, kind: "SWEEP" });
      await enqueueAudienceRun(options.link, job);
      if (await options.audiences.claimSweep(audience._id, slot)) {
        options.log.info({ account: job.account, audience: job.audienceId, run: job.runId }, "sweep started");
      }
    }
  };
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    current = current.then(() =>
      stopped ? undefined : tick().catch((error) => options.log.error({ err: error }, "sweep scheduling failed")),
    );
  }, options.tickMs ?? 30_000);
  return {
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
