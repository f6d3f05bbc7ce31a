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
 * not stored either. The single publish's deduplication, used as a question.
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
