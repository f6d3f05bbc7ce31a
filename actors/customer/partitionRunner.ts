import { DeliverPolicy, type JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { PartitionCheckpoints } from "../../store/index.ts";
import { STREAM_NAMES, subjects } from "../../streams/index.ts";
import type { BatchOutcome, IngestMessage } from "./applyBatch.ts";

export type PartitionRunnerOptions = {
  partition: number;
  js: JetStreamClient;
  checkpoints: PartitionCheckpoints;
  /** Applies one batch; throws to have the same batch retried. */
  apply: (messages: IngestMessage[]) => Promise<BatchOutcome>;
  /** False once the partition's lease is lost: the runner stops without writing more. */
  stillOwned: () => boolean;
  log: Logger;
  /** Most messages applied in one batch. */
  maxBatch?: number;
};

export type PartitionRunner = { stop: () => Promise<void> };

/** Messages buffered ahead of the batch in hand; reading pauses beyond this. */
const READ_AHEAD = 8_000;

/**
 * Consumes one INGEST partition in order from just after its checkpoint, with an ordered
 * consumer (ephemeral, recreated by the client on any gap), so a partition that moved to this
 * worker resumes exactly where the last applied batch ended. Whatever arrives while a batch is
 * being applied forms the next batch. A failed batch is retried as it is, never skipped.
 */
export function startPartitionRunner(options: PartitionRunnerOptions): PartitionRunner {
  const maxBatch = options.maxBatch ?? 2_000;
  const log = options.log.child({ partition: options.partition });
  const queue: IngestMessage[] = [];
  let stopping = false;
  let wake: (() => void) | undefined;
  let resumeReading: (() => void) | undefined;
  let stopReading: (() => void) | undefined;

  const signal = () => {
    wake?.();
    wake = undefined;
  };

  /** The next sequence to read: just after the checkpoint, then after the last message queued. */
  let nextSeq = 0;

  const readOnce = async () => {
    const start = nextSeq;
    const consumer = await options.js.consumers.get(STREAM_NAMES.ingest, {
      filter_subjects: [subjects.ingestPartitionFilter(options.partition)],
      ...(start > 1 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start } : {}),
    });
    const messages = await consumer.consume({ max_messages: 1_000 });
    stopReading = () => void messages.stop();
    if (stopping) messages.stop();
    for await (const message of messages) {
      queue.push({ seq: message.seq, subject: message.subject, data: message.data });
      nextSeq = message.seq + 1;
      signal();
      if (queue.length >= READ_AHEAD) await new Promise<void>((resolve) => (resumeReading = resolve));
      if (stopping) break;
    }
  };

  const process = async () => {
    let failures = 0;
    while (!stopping) {
      if (queue.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 500);
        });
        continue;
      }
      if (!options.stillOwned()) {
        // The lease is late to renew (or lost: then the lease manager stops this runner).
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      const batch = queue.slice(0, maxBatch);
      try {
        await options.apply(batch);
        const last = batch[batch.length - 1];
        if (last) await options.checkpoints.set(options.partition, last.seq);
        queue.splice(0, batch.length);
        failures = 0;
        if (queue.length < READ_AHEAD / 2) {
          resumeReading?.();
          resumeReading = undefined;
        }
      } catch (error) {
        failures += 1;
        log.warn({ err: error, failures, messages: batch.length }, "batch failed; retrying it");
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** failures, 5_000)));
      }
    }
  };

  const read = async () => {
    nextSeq = (await options.checkpoints.get(options.partition)) + 1;
    while (!stopping) {
      try {
        await readOnce();
      } catch (error) {
        log.warn({ err: error, nextSeq }, "partition reader failed; restarting it");
      }
      if (!stopping) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };

  const reading = read().catch((error) => log.error({ err: error }, "partition reader stopped"));
  const processing = process();
  log.debug("partition runner started");

  return {
    async stop() {
      stopping = true;
      stopReading?.();
      resumeReading?.();
      signal();
      await processing;
      await reading;
      log.debug("partition runner stopped");
    },
  };
}
