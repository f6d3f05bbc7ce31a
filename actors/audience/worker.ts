import { jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import {
  audienceMembersRepository,
  audienceRunsRepository,
  audiencesRepository,
  type Store,
} from "../../store/index.ts";
import { createCommandPublisher, type NatsLink, STREAM_NAMES } from "../../streams/index.ts";
import { openAudienceCatalogWriter } from "./catalog.ts";
import { createRunFinisher } from "./finishRun.ts";
import { customersWhoChangedMembership } from "./membershipHistory.ts";
import { MEMBERSHIP_TRACKER, startMembershipTracker, untilMembershipsTracked } from "./membershipTracker.ts";
import { publishAudience } from "./publishAudience.ts";
import { AUDIENCE_RUN_WORKERS, startRunQueue } from "./runQueue.ts";
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

export type AudienceWorker = {
  sweeps: SweepScheduler;
  /** True while the server still holds the consumers its runs and member lists are read from. */
  consuming: () => Promise<boolean>;
  stop: () => Promise<void>;
};

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
  const jsm = await jetstreamManager(options.link.nc);
  let stopped = false;
  return {
    sweeps,
    async consuming() {
      if (stopped) return false;
      await Promise.all([
        jsm.consumers.info(STREAM_NAMES.changes, MEMBERSHIP_TRACKER),
        jsm.consumers.info(STREAM_NAMES.audienceRuns, AUDIENCE_RUN_WORKERS),
      ]);
      return true;
    },
    async stop() {
      stopped = true;
      clearInterval(stalledCheck);
      await checking;
      await sweeps.stop();
      await queue.stop();
      await tracker.stop();
    },
  };
}
