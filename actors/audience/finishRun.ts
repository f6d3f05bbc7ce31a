import type { Logger } from "pino";
import { type AudienceMembers, type AudienceRuns, type Audiences, isRunComplete } from "../../store/index.ts";
import type { AudienceCatalogWriter } from "./catalog.ts";

export type FinishRunDependencies = {
  audiences: Audiences;
  runs: AudienceRuns;
  members: AudienceMembers;
  catalog: AudienceCatalogWriter;
  log: Logger;
};

/**
 * Closes a run once it has sent everything and every command has come back as a membership fact:
 * a DELETE run then removes the audience for good. Both the sender and the membership tracker call
 * it, whichever sees the last piece; the status change is a compare-and-set, so it happens once.
 */
export function createRunFinisher(deps: FinishRunDependencies): (runId: string) => Promise<void> {
  return async (runId) => {
    const run = await deps.runs.byId(runId);
    if (run?.status !== "RUNNING" || !isRunComplete(run)) return;
    if (run.kind === "DELETE") {
      await deps.catalog.withdraw(run.account, run.audienceId);
      await deps.members.removeAll(run.audienceId);
      await deps.audiences.remove(run.audienceId);
    }
    if (await deps.runs.finish(runId, "DONE")) {
      const { account, audienceId, kind, entered, exited, unchanged } = run;
      deps.log.info(
        { account, audience: audienceId, run: runId, kind, entered, exited, unchanged },
        "audience run done",
      );
    }
    await deps.audiences.unlock(run.audienceId, runId);
  };
}
