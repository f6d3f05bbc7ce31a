import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { NatsLink } from "./connection.ts";
import { STREAM_NAMES } from "./definitions.ts";

/**
 * At most this many facts are outstanding at once across every process following one durable
 * consumer, so it hands out one batch at a time and the facts are applied in stream order.
 */
export const ORDERED_BATCH = 500;

/** A batch whose process died is handed out again after this; a live one keeps it every KEEP_ALIVE_MS. */
const ACK_WAIT_MS = 6_000;
const KEEP_ALIVE_MS = 2_000;
/** How long a batch handed out before older facts waits before it is fetched again. */
const OUT_OF_TURN_DELAY_MS = 500;

/**
 * Whether facts other than the batch in hand are handed out and unacked: older ones (the
 * consumer hands out in stream order, so a batch fetched while others are out may be newer).
 */
async function othersPending(jsm: JetStreamManager, durable: string, inHand: number): Promise<boolean> {
  const info = await jsm.consumers.info(STREAM_NAMES.changes, durable);
  return info.num_ack_pending > inHand;
}

export type OrderedFacts = { stop: () => Promise<void> };

/**
 * Follows CHANGES' `filterSubject` with the durable consumer `durable`, handing `apply` one batch
 * at a time, in stream order, across every process that follows it: a batch is acked once applied
 * and handed out again when `apply` throws, so `apply` must bear a batch applied twice (the
 * trackers mark the last sequence they counted).
 */
export async function followFactsInOrder(
  link: NatsLink,
  durable: string,
  filterSubject: string,
  apply: (messages: JsMsg[]) => Promise<void>,
  log: Logger,
): Promise<OrderedFacts> {
  const jsm = await jetstreamManager(link.nc);
  await jsm.consumers.add(STREAM_NAMES.changes, {
    durable_name: durable,
    filter_subject: filterSubject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: ORDERED_BATCH,
    ack_wait: ACK_WAIT_MS * 1_000_000, // nanoseconds
  });
  // A consumer made by an earlier version keeps its ack wait (30 s) unless it is updated.
  const { config } = await jsm.consumers.info(STREAM_NAMES.changes, durable);
  if (config.ack_wait !== ACK_WAIT_MS * 1_000_000) {
    await jsm.consumers.update(STREAM_NAMES.changes, durable, { ack_wait: ACK_WAIT_MS * 1_000_000 });
  }
  const consumer = await jetstream(link.nc).consumers.get(STREAM_NAMES.changes, durable);
  let stopping = false;
  const running = (async () => {
    while (!stopping) {
      try {
        const batch = await consumer.fetch({ max_messages: ORDERED_BATCH, expires: 1_000 });
        const messages: JsMsg[] = [];
        for await (const message of batch) messages.push(message);
        if (messages.length === 0) continue;
        if (await othersPending(jsm, durable, messages.length)) {
          // Older facts are in another process's hands (one that died leaves them until the ack
          // wait runs out): facts are applied in stream order only, or a tracker's counted mark
          // would skip the older facts for good. Handed back at once, so that the next fetch takes
          // them with the older ones, in order.
          for (const message of messages) message.nak();
          await new Promise((resolve) => setTimeout(resolve, OUT_OF_TURN_DELAY_MS));
          continue;
        }
        // Redelivered facts may come after newer ones in a fetch.
        messages.sort((a, b) => a.seq - b.seq);
        // A batch slower than the consumer's ack wait would be handed out again meanwhile.
        const keepAlive = setInterval(() => {
          for (const message of messages) message.working();
        }, KEEP_ALIVE_MS);
        try {
          await apply(messages);
        } catch (error) {
          // Handed out again after the pause below, rather than once the ack wait runs out.
          for (const message of messages) message.nak(1_000);
          throw error;
        } finally {
          clearInterval(keepAlive);
        }
        for (const message of messages) message.ack();
      } catch (error) {
        if (stopping) break;
        log.error({ err: error, consumer: durable }, "fact batch failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  })();
  return {
    async stop() {
      stopping = true;
      await running;
    },
  };
}

/**
 * Resolves once `durable` has applied every fact published so far (nothing pending or unacked on
 * it); `keepAlive` is called while waiting.
 */
export async function untilFactsFollowed(link: NatsLink, durable: string, keepAlive: () => void, timeoutMs = 120_000) {
  const jsm = await jetstreamManager(link.nc);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await jsm.consumers.info(STREAM_NAMES.changes, durable);
    if (info.num_pending + info.num_ack_pending === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`${durable} still has ${info.num_pending + info.num_ack_pending} facts to apply`);
    }
    keepAlive();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
