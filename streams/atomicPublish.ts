import { JetStreamApiError, type JetStreamClient } from "@nats-io/jetstream";
import { headers, type MsgHdrs, type NatsConnection } from "@nats-io/transport-node";

/** A message for JetStream with the `Nats-Msg-Id` it is deduplicated by. */
export type IdentifiedMessage = { subject: string; payload: Uint8Array; msgId: string };

/** Messages one atomic batch may hold (nats-server's `max_batch_size`, 1,000 unless configured lower). */
export const MAX_BATCH_MESSAGES = 1000;

/** JetStream's error code for a batch holding a message id the stream holds already, or twice. */
export const DUPLICATE_IN_BATCH = 10201;

/** The server's code for a stream holding as many open atomic batches as it allows (50 by default). */
export const TOO_MANY_BATCHES = 10210;

/**
 * Stores messages (2 to MAX_BATCH_MESSAGES) in one stream all or none: JetStream's atomic batch
 * publish (nats-server ≥ 2.12, a stream with `allow_atomic`). The server stages the batch and stores it only on the commit, so
 * a message it refuses, a lost message (a gap in the batch's sequence) or a batch never committed
 * (the connection lost, 10 s of silence) leaves nothing stored.
 *
 * Deduplication differs from single publishes: a message id the stream already holds, or one
 * repeated in the batch, refuses the whole batch with DUPLICATE_IN_BATCH instead of being skipped.
 * Refusals throw JetStreamApiError (its `code` is the server's); timeouts and connection errors
 * throw as nats.js raises them.
 */
export async function publishAtomically(
  nc: NatsConnection,
  js: JetStreamClient,
  messages: readonly IdentifiedMessage[],
  timeoutMs: number,
): Promise<void> {
  const [first, ...rest] = messages;
  const last = rest.pop();
  if (!first || !last) throw new Error("an atomic batch needs at least two messages");
  const batch = await js.startBatch(first.subject, first.payload, {
    headers: withMsgId(first.msgId),
    timeout: timeoutMs,
  });
  for (const message of rest) batch.add(message.subject, message.payload, { headers: withMsgId(message.msgId) });
  // The commit is sent by hand: nats.js's `batch.commit` reports every refusal as a count mismatch,
  // losing the server's error code, which tells a duplicate (DUPLICATE_IN_BATCH) from a failure.
  const commit = withMsgId(last.msgId);
  commit.set("Nats-Batch-Id", batch.id);
  commit.set("Nats-Batch-Sequence", String(batch.count + 1));
  commit.set("Nats-Batch-Commit", "1");
  const reply = await nc.request(last.subject, last.payload, { headers: commit, timeout: timeoutMs });
  const ack = reply.json<{ error?: ConstructorParameters<typeof JetStreamApiError>[0]; count?: number }>();
  if (ack.error) throw new JetStreamApiError(ack.error);
  if (ack.count !== messages.length) {
    throw new Error(`JetStream acknowledged a batch of ${ack.count} messages; ${messages.length} were sent`);
  }
}

function withMsgId(msgId: string): MsgHdrs {
  const h = headers();
  h.set("Nats-Msg-Id", msgId);
  return h;
}
