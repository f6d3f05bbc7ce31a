import type { Logger } from "pino";
import type { AudienceRuns, Audiences } from "../../store/index.ts";

/** A run whose answers have not moved for this long after it sent everything is given up. */
export const STALLED_RUN_MS = 10 * 60_000;

/**
 * Fails runs that can no longer finish: every command was sent, but answers stopped coming (a
 * command refused as malformed, a customer's partition stuck). Without this such a run would stay
 * RUNNING for ever; failing it says how many answers are missing and frees the audience.
 */
export async function failStalledRuns(deps: {
  runs: AudienceRuns;
  audiences: Audiences;
  now: () => Date;
  log: Logger;
}) {
  const before = new Date(deps.now().getTime() - STALLED_RUN_MS);
  for (const run of await deps.runs.stalled(before)) {
    const answered = run.entered + run.exited + run.unchanged;
    const reason = `${run.total - answered} of ${run.total} customers never answered within ${STALLED_RUN_MS / 60_000} minutes`;
    if (await deps.runs.finish(run._id, "FAILED", reason)) {
      deps.log.error({ account: run.account, audience: run.audienceId, run: run._id, reason }, "audience run stalled");
    }
    await deps.audiences.unlock(run.audienceId, run._id);
  }
}
