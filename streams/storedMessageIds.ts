import { JetStreamApiError, type JetStreamClient } from "@nats-io/jetstream";
import type { IdentifiedMessage } from "./atomicPublish.ts";

/** JetStream's error code for a publish whose expected last message id is not the stream's. */
const WRONG_LAST_MSG_ID = 10070;

/** No message ever has this id: ours start with an account id, which cannot start with `:`. */
const NO_SUCH_MSG_ID = ":none";

/**
 * The ids, among these messages', that their stream holds already (within its duplicate window),
 * found without storing anything. Each id is published with an empty payload and an expected last
 * message id no message has: JetStream looks the id up first and answers a known one as a
 * duplicate, without checking the expectation; an unknown one then fails the expectation, so it is
 * not stored either, and leaves no trace. The single publish's deduplication, used as a question.
 *
 * Only for a stream without replicas (INGEST is one: streams/definitions.ts). A replicated stream
 * holds an id as "in process" from its proposal until it is stored, and one never stored until its
 * duplicate window passes: asked about this way, an unknown id would be refused (10158) for hours.
 * A replicated INGEST would ask with atomic batches of one message instead, which are checked
 * before any proposal (measured on the development machine: 3.5 ms an id on a stream without
 * replicas, whose batches are staged on disk, against under 0.1 ms this way).
 */
export async function storedMessageIds(
  js: JetStreamClient,
  messages: readonly IdentifiedMessage[],
  timeoutMs: number,
): Promise<Set<string>> {
  const answers = await Promise.all(
    messages.map(async ({ subject, msgId }) => {
      try {
        const ack = await js.publish(subject, undefined, {
          msgID: msgId,
          expect: { lastMsgID: NO_SUCH_MSG_ID },
          timeout: timeoutMs,
        });
        if (!ack.duplicate)
          throw new Error(`the probe for message id ${msgId} was stored as ${ack.stream} #${ack.seq}`);
        return msgId;
      } catch (error) {
        if (error instanceof JetStreamApiError && error.code === WRONG_LAST_MSG_ID) return undefined;
        throw error;
      }
    }),
  );
  return new Set(answers.filter((msgId) => msgId !== undefined));
}
