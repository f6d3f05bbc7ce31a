import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { jetstream } from "@nats-io/jetstream";
import type { Logger } from "pino";
import {
  customersOf,
  deadLettersRepository,
  deviceTokensRepository,
  partitionCheckpointsRepository,
  type Store,
} from "../../store/index.ts";
import { createCommandPublisher, createFactPublisher, type NatsLink } from "../../streams/index.ts";
import { applyBatch } from "./applyBatch.ts";
import type { AudienceRule } from "./memberships.ts";
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
  now?: () => Date;
};

export type CustomerWorker = {
  workerId: string;
  leases: PartitionLeases;
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
  const customers = customersOf(options.store);
  const deviceTokens = deviceTokensRepository(options.store.db);
  const deadLetters = deadLettersRepository(options.store.db);
  const checkpoints = partitionCheckpointsRepository(options.store.db);
  const facts = createFactPublisher(options.link);
  const commands = createCommandPublisher({ link: options.link, partitions: options.partitions });
  const now = options.now ?? (() => new Date());
  const runners = new Map<number, PartitionRunner>();

  // Assigned once the leases exist; no partition is acquired before then.
  let leases: PartitionLeases | undefined;
  const owns = (partition: number) => leases?.holds(partition) ?? false;

  const acquire = (partition: number) => {
    const partitionLog = log.child({ partition });
    const memory = createWriteBehind({
      partition,
      customers,
      checkpoints,
      cacheSize: options.cachePerPartition ?? 2_000,
      assertOwnership: () => {
        if (!owns(partition)) throw new Error(`partition ${partition} is no longer owned by ${workerId}`);
      },
    });
    runners.set(
      partition,
      startPartitionRunner({
        partition,
        js,
        checkpoints,
        memory,
        stillOwned: () => owns(partition),
        log: partitionLog,
        apply: (messages) =>
          applyBatch(messages, {
            customers,
            deviceTokens,
            deadLetters,
            facts,
            commands,
            current: memory.current,
            audiencesOf: options.audiencesOf,
            now,
            log: partitionLog,
          }),
      }),
    );
  };

  const release = async (partition: number) => {
    const runner = runners.get(partition);
    runners.delete(partition);
    await runner?.stop();
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
  return {
    workerId,
    leases: started,
    stop: () => started.stop(),
  };
}
