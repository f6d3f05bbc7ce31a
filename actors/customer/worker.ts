import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { jetstream } from "@nats-io/jetstream";
import type { Logger } from "pino";
import {
  backfillConsentDenials,
  customersOf,
  deadLettersRepository,
  deviceTokensRepository,
  ensureCustomerIndexes,
  overdueCustomers,
  partitionCheckpointsRepository,
  type Store,
} from "../../store/index.ts";
import {
  createAlarmPublisher,
  createCommandPublisher,
  createFactPublisher,
  type NatsLink,
  pullBytes,
} from "../../streams/index.ts";
import { startAlarmRelay } from "./alarmRelay.ts";
import { alarmArmer } from "./alarms.ts";
import { applyBatch } from "./applyBatch.ts";
import { type AccountJourneys, NO_JOURNEYS } from "./journeys.ts";
import type { AudienceRule } from "./memberships.ts";
import { startOverdueSweep } from "./overdueSweep.ts";
import { type PartitionLeases, startPartitionLeases } from "./partitionLeases.ts";
import { type PartitionRunner, startPartitionRunner } from "./partitionRunner.ts";
import { createWriteBehind } from "./writeBehind.ts";

export type CustomerWorkerOptions = {
  link: NatsLink;
  store: Store;
  partitions: number;
  log: Logger;
  /** Hot customers kept in memory per partition. */
  cachePerPartition?: number;
  leaseTtlMs?: number;
  leaseTickMs?: number;
  /** The account's rule audiences (a live catalog; see actors/audience/catalog.ts). */
  audiencesOf: (account: string) => readonly AudienceRule[];
  /** Resolves once `audiencesOf` holds every audience change made so far. */
  audiencesCaughtUp: () => Promise<void>;
  /** The account's journeys (a live catalog; see actors/journey/catalog.ts); none when not given. */
  journeysOf?: (account: string) => AccountJourneys;
  /** The ids of the account's audiences whose `pushTopic` is on (the audience catalog); none when not given. */
  pushTopicsOf?: (account: string) => ReadonlySet<string>;
  now?: () => Date;
  /** How often overdue customers are woken (MASIVO_TIMER_SWEEP_SECONDS); default 60. */
  timerSweepSeconds?: number;
  /** How late a deadline is before the sweep wakes its customer rather than trusting its alarm; default 30 s. */
  timerSweepGraceMs?: number;
  /** Told about every batch applied (operations figures, docs/operations.md). */
  observer?: CustomerWorkerObserver;
};

const NO_PUSH_TOPICS: ReadonlySet<string> = new Set();

/** How late a deadline is before the sweep wakes its customer rather than trusting its alarm. */
const SWEEP_GRACE_MS = 30_000;

export type CustomerWorkerObserver = {
  batchApplied: (batch: { commands: number; seconds: number; deadLettered: number }) => void;
};

type Acquisition = {
  /** Settles once the previous acquisition's runner has stopped and this one's started (unless called off). */
  started: Promise<void>;
  runner?: PartitionRunner;
  /** Set once stopping began. */
  stopped?: Promise<void>;
};

export type CustomerWorker = {
  workerId: string;
  leases: PartitionLeases;
  /** Of each partition this worker holds, its commands not applied yet (partitionRunner.ts `lag`). */
  consumerLag: () => Map<number, number>;
  stop: () => Promise<void>;
};

/**
 * The `customers` role: owns a fair share of the INGEST partitions (see partitionLeases.ts) and
 * runs each owned partition's commands through the customer actors.
 */
export async function startCustomerWorker(options: CustomerWorkerOptions): Promise<CustomerWorker> {
  const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const log = options.log.child({ role: "customers", worker: workerId });
  const js = jetstream(options.link.nc);
  await ensureCustomerIndexes(options.store.db);
  // Customers stored before the consent denials existed are added to them, once, in the background
  // (store/customers.ts); until then a destination's sync start reads who denied from the documents.
  backfillConsentDenials(options.store)
    .then((found) => found === undefined || log.info({ customers: found }, "consent denials backfilled"))
    .catch((error) => log.error({ err: error }, "could not backfill the consent denials; retried at the next start"));
  const customers = customersOf(options.store);
  const deviceTokens = deviceTokensRepository(options.store.db);
  const deadLetters = deadLettersRepository(options.store.db);
  const checkpoints = partitionCheckpointsRepository(options.store.db);
  const facts = createFactPublisher(options.link);
  const commands = createCommandPublisher({ link: options.link, partitions: options.partitions });
  const alarms = createAlarmPublisher(options.link);
  const now = options.now ?? (() => new Date());
  /**
   * Each partition's latest acquisition. A runner answers for its partition only while its
   * acquisition is the latest and the lease is held: one still stopping after a loss never writes
   * for a newer acquisition, whose runner starts only once the old one has stopped.
   */
  const acquisitions = new Map<number, Acquisition>();

  // Assigned once the leases exist; no partition is acquired before then.
  let leases: PartitionLeases | undefined;

  /** Stops an acquisition's runner (idempotent); a start still waiting is called off. */
  const stopAcquisition = (acquisition: Acquisition): Promise<void> => {
    acquisition.stopped ??= acquisition.started.then(() => acquisition.runner?.stop());
    return acquisition.stopped;
  };

  const acquire = (partition: number) => {
    const previous = acquisitions.get(partition);
    const ready = previous ? stopAcquisition(previous) : Promise.resolve();
    const acquisition: Acquisition = { started: Promise.resolve() };
    const owns = () => acquisitions.get(partition) === acquisition && (leases?.holds(partition) ?? false);
    acquisition.started = ready.then(() => {
      if (!acquisition.stopped) acquisition.runner = startRunner(partition, owns);
    });
    acquisitions.set(partition, acquisition);
  };

  const startRunner = (partition: number, owns: () => boolean): PartitionRunner => {
    const partitionLog = log.child({ partition });
    const memory = createWriteBehind({
      partition,
      customers,
      checkpoints,
      cacheSize: options.cachePerPartition ?? 2_000,
      assertOwnership: () => {
        if (!owns()) throw new Error(`partition ${partition} is no longer owned by ${workerId}`);
      },
    });
    const armAlarms = alarmArmer({
      partition,
      alarms,
      remembered: options.cachePerPartition ?? 2_000,
      log: partitionLog,
    });
    return startPartitionRunner({
      partition,
      js,
      pullBytes: pullBytes(options.link.nc),
      checkpoints,
      memory,
      stillOwned: owns,
      settleMs: options.leaseTickMs ?? 1_000,
      log: partitionLog,
      apply: async (messages, { assertCurrent, refusedByStore, publishedThrough }) => {
        const started = performance.now();
        const outcome = await applyBatch(messages, {
          customers,
          deviceTokens,
          deadLetters,
          facts,
          commands,
          current: memory.current,
          assertCurrent,
          refusedByStore,
          publishedThrough,
          audiencesOf: options.audiencesOf,
          audiencesCaughtUp: options.audiencesCaughtUp,
          journeysOf: options.journeysOf ?? (() => NO_JOURNEYS),
          pushTopicsOf: options.pushTopicsOf ?? (() => NO_PUSH_TOPICS),
          now,
          log: partitionLog,
        });
        options.observer?.batchApplied({
          commands: messages.length,
          seconds: (performance.now() - started) / 1_000,
          deadLettered: outcome.deadLettered,
        });
        armAlarms(outcome.writes.map(({ document }) => document));
        return outcome;
      },
    });
  };

  const release = async (partition: number) => {
    const acquisition = acquisitions.get(partition);
    if (!acquisition) return;
    await stopAcquisition(acquisition);
    if (acquisitions.get(partition) === acquisition) acquisitions.delete(partition);
    log.debug({ partition }, "partition released");
  };

  leases = await startPartitionLeases({
    nc: options.link.nc,
    partitions: options.partitions,
    workerId,
    ttlMs: options.leaseTtlMs,
    tickMs: options.leaseTickMs,
    onAcquire: acquire,
    onRelease: release,
    log,
  });
  const started = leases;
  const relay = await startAlarmRelay({ link: options.link, commands, log });
  const sweep = startOverdueSweep({
    overdue: overdueCustomers(options.store.db),
    commands,
    partitions: options.partitions,
    holds: (partition) => started.holds(partition),
    everyMs: (options.timerSweepSeconds ?? 60) * 1_000,
    graceMs: options.timerSweepGraceMs ?? SWEEP_GRACE_MS,
    now,
    log,
  });
  return {
    workerId,
    leases: started,
    consumerLag() {
      const lags = new Map<number, number>();
      for (const [partition, { runner, stopped }] of acquisitions) {
        if (runner && !stopped && started.holds(partition)) lags.set(partition, runner.lag());
      }
      return lags;
    },
    async stop() {
      await sweep.stop();
      await relay.stop();
      await started.stop();
    },
  };
}
