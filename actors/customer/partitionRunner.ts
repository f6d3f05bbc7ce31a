import { DeliverPolicy, type JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { PartitionCheckpoints } from "../../store/index.ts";
import { STREAM_NAMES, subjects } from "../../streams/index.ts";
import type { BatchOutcome, IngestMessage } from "./applyBatch.ts";
import type { StoreRefusal, WriteBehind } from "./writeBehind.ts";

export type PartitionRunnerOptions = {
  partition: number;
  js: JetStreamClient;
  /** The most bytes one read of INGEST brings (streams' `pullBytes`): large commands come a few at a time. */
  pullBytes: number;
  checkpoints: PartitionCheckpoints;
  /**
   * Applies one batch against the newest known customers; throws to have the same batch retried.
   * `assertCurrent` throws when the batch may no longer take effect; `refusedByStore` says which
   * commands the store refused to hold (see applyBatch.ts).
   */
  apply: (messages: IngestMessage[], context: BatchContext) => Promise<BatchOutcome>;
  /** The partition's customers in memory and their writing. */
  memory: WriteBehind;
  /**
   * False while the partition's lease is late to renew (or lost: then the worker stops this
   * runner). Nothing is decided, published or written while it is false.
   */
  stillOwned: () => boolean;
  log: Logger;
  /** Most messages applied in one batch. */
  maxBatch?: number;
  /**
   * How long to wait before reading the checkpoint: a margin for writes a previous owner sent
   * just before its lease lapsed, still on their way to the store.
   */
  settleMs?: number;
};

export type BatchContext = {
  assertCurrent: () => void;
  refusedByStore: (key: string, seq: number) => string | undefined;
  /**
   * The last sequence whose effects this runner already published: a replay decides those
   * commands again for the memory, but their facts and device moves must not leave twice (once
   * JetStream's duplicate window has passed, it would not drop them).
   */
  publishedThrough: number;
};

export type PartitionRunner = {
  /**
   * The partition's commands not applied yet: those read and waiting, plus those the stream held
   * beyond the last one read, as of its reading (so newer ones count once reading goes on).
   */
  lag: () => number;
  stop: () => Promise<void>;
};

/** Messages buffered ahead of the batch in hand; reading pauses beyond this. */
const READ_AHEAD = 8_000;
/** Customers staged for writing beyond which batches wait for the store. */
const MAX_STAGED = 20_000;

/**
 * Consumes one INGEST partition in order from just after its checkpoint, with an ordered consumer
 * (ephemeral, recreated by the client on any gap), so a partition that moved to this worker
 * resumes exactly where the last written batch ended. Whatever arrives while a batch is applied
 * forms the next batch. A batch that fails is retried as it is, never skipped; a failed write
 * drops the partition's memory and replays from the checkpoint, after a pause that grows while
 * writes keep failing. A customer the store refused to hold has its commands of the failed write
 * dead-lettered on the replay, so one poisonous customer never holds up the partition. A batch's
 * effects (facts, device moves) leave only while the lease is safely held and the memory it was
 * decided on is sound.
 */
export function startPartitionRunner(options: PartitionRunnerOptions): PartitionRunner {
  const maxBatch = options.maxBatch ?? 2_000;
  const log = options.log.child({ partition: options.partition });
  let queue: IngestMessage[] = [];
  let stopping = false;
  let wake: (() => void) | undefined;
  let resumeReading: (() => void) | undefined;
  let stopReading: (() => void) | undefined;
  /** Bumped to abandon the current read (after a failed write): its messages are dropped. */
  let generation = 0;
  /** The next sequence to read: just after the checkpoint, then after the last message queued. */
  let nextSeq = 0;
  /** How many of the partition's messages the stream held beyond the last one read, when it was read. */
  let unread = 0;
  let writeFailed: unknown;
  /** Replays since the last write that succeeded. */
  let replays = 0;
  /** The last sequence of a batch whose effects were published. */
  let publishedThrough = 0;
  /** Customers the store refused, by key: their commands up to `throughSeq` are set aside. */
  const refusals = new Map<string, StoreRefusal>();
  const refusedByStore = (key: string, seq: number) => {
    const refusal = refusals.get(key);
    return refusal && seq <= refusal.throughSeq ? `the store refused this customer: ${refusal.error}` : undefined;
  };

  const signal = () => {
    wake?.();
    wake = undefined;
  };

  /** Waits, or less once the runner is stopping. */
  const sleepers = new Set<() => void>();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });

  const readOnce = async () => {
    const reading = generation;
    const start = nextSeq;
    const consumer = await options.js.consumers.get(STREAM_NAMES.ingest, {
      filter_subjects: [subjects.ingestPartitionFilter(options.partition)],
      ...(start > 1 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start } : {}),
    });
    try {
      const messages = await consumer.consume({ max_bytes: options.pullBytes });
      stopReading = () => void messages.stop();
      if (stopping || reading !== generation) messages.stop();
      for await (const message of messages) {
        if (stopping || reading !== generation) break;
        queue.push({ seq: message.seq, subject: message.subject, data: message.data });
        nextSeq = message.seq + 1;
        unread = message.info.pending;
        signal();
        if (queue.length >= READ_AHEAD) await new Promise<void>((resolve) => (resumeReading = resolve));
      }
    } finally {
      // An ordered consumer outlives its reader for minutes on the server: replays would pile them
      // up to the account's consumer limit.
      await consumer.delete().catch((error) => log.debug({ err: error }, "could not delete the partition's reader"));
    }
  };

  /** The partition's checkpoint, read again until the store answers (undefined: stopping meanwhile). */
  const readCheckpoint = async (): Promise<number | undefined> => {
    for (let failures = 1; !stopping; failures++) {
      try {
        return await options.checkpoints.get(options.partition);
      } catch (error) {
        log.warn({ err: error, failures }, "cannot read the partition's checkpoint; retrying");
        await pause(Math.min(100 * 2 ** failures, 5_000));
      }
    }
    return undefined;
  };

  const read = async () => {
    if (options.settleMs) await pause(options.settleMs);
    const checkpoint = await readCheckpoint();
    if (checkpoint === undefined) return;
    nextSeq = checkpoint + 1;
    while (!stopping) {
      const reading = generation;
      try {
        await readOnce();
      } catch (error) {
        log.warn({ err: error, nextSeq }, "partition reader failed; restarting it");
      }
      if (!stopping && reading === generation) await pause(1_000);
    }
  };

  /**
   * After a failed write: forget memory and queue, and read again from the checkpoint. The reset
   * waits for any flush still writing, so the checkpoint read afterwards is final; the reader's
   * generation moves only once the new start is known, so it cannot restart from the old position
   * (its messages would reach the fresh memory with a gap before them).
   */
  const replayFromCheckpoint = async () => {
    replays += 1;
    log.warn({ err: writeFailed, replays }, "writing customers failed; replaying the partition from its checkpoint");
    await pause(Math.min(100 * 2 ** (replays - 1), 5_000));
    for (const refusal of await options.memory.reset()) {
      log.error(
        { customer: refusal.key, throughSeq: refusal.throughSeq, error: refusal.error },
        "the store refused a customer; its commands will be dead-lettered",
      );
      refusals.set(refusal.key, refusal);
    }
    const checkpoint = await options.checkpoints.get(options.partition);
    for (const [key, refusal] of refusals) if (refusal.throughSeq <= checkpoint) refusals.delete(key);
    writeFailed = undefined;
    generation += 1;
    queue = [];
    nextSeq = checkpoint + 1;
    stopReading?.();
    resumeReading?.();
    resumeReading = undefined;
  };

  const flushInBackground = () => {
    options.memory.flush().then(
      () => {
        replays = 0;
      },
      (error) => {
        writeFailed = error;
      },
    );
  };

  /** True once a flush failed (noticed at once, before its rejection reaches `flushInBackground`). */
  const spoiled = () => {
    try {
      options.memory.assertSound();
    } catch (error) {
      writeFailed ??= error;
    }
    return writeFailed !== undefined;
  };

  const process = async () => {
    let failures = 0;
    while (!stopping) {
      if (spoiled()) {
        await replayFromCheckpoint().catch(async (error) => {
          log.error({ err: error }, "cannot read the checkpoint");
          await pause(1_000);
        });
        continue;
      }
      if (queue.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 500);
        });
        continue;
      }
      if (!options.stillOwned()) {
        await pause(100);
        continue;
      }
      const batch = queue.slice(0, maxBatch);
      const last = batch[batch.length - 1];
      const decidedIn = generation;
      const assertCurrent = () => {
        if (!options.stillOwned()) throw new Error(`partition ${options.partition}: lease not safely held`);
        if (generation !== decidedIn) throw new Error(`partition ${options.partition}: replayed meanwhile`);
        options.memory.assertSound();
      };
      try {
        const outcome = await options.apply(batch, { assertCurrent, refusedByStore, publishedThrough });
        publishedThrough = Math.max(publishedThrough, last?.seq ?? 0);
        options.memory.stage(outcome.writes, last?.seq ?? 0);
        queue.splice(0, batch.length);
        failures = 0;
        if (queue.length < READ_AHEAD / 2) {
          resumeReading?.();
          resumeReading = undefined;
        }
        if (options.memory.staged() >= MAX_STAGED) await options.memory.flush().catch((error) => (writeFailed = error));
        else flushInBackground();
      } catch (error) {
        // A lapsed lease or a failed write is not the batch's fault: the loop waits or replays.
        if (!options.stillOwned() || spoiled() || generation !== decidedIn) {
          log.debug({ err: error }, "batch abandoned");
          continue;
        }
        failures += 1;
        log.warn({ err: error, failures, messages: batch.length }, "batch failed; retrying it");
        await pause(Math.min(100 * 2 ** failures, 5_000));
      }
    }
    // Hand the partition over with everything applied so far written; in any case, no write of
    // this runner may still be running once it has stopped.
    if (options.stillOwned())
      await options.memory.flush().catch((error) => log.warn({ err: error }, "final write failed"));
    await options.memory.idle();
  };

  const reading = read().catch((error) => log.error({ err: error }, "partition reader stopped"));
  const processing = process();
  log.debug("partition runner started");

  return {
    lag: () => queue.length + unread,
    async stop() {
      stopping = true;
      stopReading?.();
      resumeReading?.();
      signal();
      for (const wakeUp of [...sleepers]) wakeUp();
      await processing;
      await reading;
      log.debug("partition runner stopped");
    },
  };
}
