import type { Logger } from "pino";
import {
  audienceMembersRepository,
  audienceRunsRepository,
  audiencesRepository,
  type Store,
} from "../../store/index.ts";
import { createCommandPublisher, type NatsLink } from "../../streams/index.ts";
import { openAudienceCatalogWriter } from "./catalog.ts";
import { createRunFinisher } from "./finishRun.ts";
import { customersWhoChangedMembership } from "./membershipHistory.ts";
import { startMembershipTracker, untilMembershipsTracked } from "./membershipTracker.ts";
import { publishAudience } from "./publishAudience.ts";
import { startRunQueue } from "./runQueue.ts";
import { failStalledRuns } from "./stalledRuns.ts";
import { type SweepScheduler, startSweepScheduler } from "./sweepScheduler.ts";

export type AudienceWorkerOptions = {
  link: NatsLink;
  store: Store;
  partitions: number;
  log: Logger;
  now?: () => Date;
  /** How often due sweeps are looked for. */
  sweepTickMs?: number;
};

export type AudienceWorker = { sweeps: SweepScheduler; stop: () => Promise<void> };

/**
 * The `audiences` role: carries out queued runs (recalculations, sweeps, deletes), keeps member
 * lists and run counts from the membership facts, and starts sweeps when they come due.
 */
export async function startAudienceWorker(options: AudienceWorkerOptions): Promise<AudienceWorker> {
  const log = options.log.child({ role: "audiences" });
  const now = options.now ?? (() => new Date());
  const audiences = audiencesRepository(options.store.db, now);
  const runs = audienceRunsRepository(options.store.db, now);
  const members = audienceMembersRepository(options.store.db);
  const catalog = await openAudienceCatalogWriter(options.link.nc);
  const finishRun = createRunFinisher({ audiences, runs, members, catalog, log });
  const commands = createCommandPublisher({ link: options.link, partitions: options.partitions, now });

  // MongoDB holds the definitions; the catalog is their broadcast. Republishing them at start
  // repairs a catalog that missed a write (a gateway that died between the two) or was lost; one
  // that cannot be published is marked and skipped.
  for (const audience of await audiences.all()) await publishAudience(audience, { catalog, audiences, log });

  const tracker = await startMembershipTracker({ link: options.link, audiences, runs, members, finishRun, log });
  const queue = await startRunQueue(
    options.link,
    {
      db: options.store.db,
      isFerretDB: options.store.isFerretDB,
      membershipsTracked: (keepAlive) => untilMembershipsTracked(options.link, keepAlive),
      customersWhoChangedMembership: (account, audienceId) =>
        customersWhoChangedMembership(options.link, account, audienceId),
      audiences,
      runs,
      members,
      commands,
      finishRun,
      now,
      log,
    },
    log,
  );
  let checking: Promise<void> = Promise.resolve();
  const stalledCheck = setInterval(() => {
    checking = failStalledRuns({ runs, audiences, now, log }).catch((error) =>
      log.error({ err: error }, "looking for stalled runs failed"),
    );
  }, 60_000);
  const sweeps = startSweepScheduler({ link: options.link, audiences, runs, now, log, tickMs: options.sweepTickMs });
  return {
    sweeps,
    async stop() {
      clearInterval(stalledCheck);
      await checking;
      await sweeps.stop();
      await queue.stop();
      await tracker.stop();
    },
  };
}
