import { setTimeout as sleep } from "node:timers/promises";
import { DeliverPolicy, JetStreamError, type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsLink } from "./connection.ts";

/** Messages asked for per pull. */
const READ_BATCH = 1_000;

/** How long a read goes on asking, with no message coming, while its pulls come back "no responders". */
const UNANSWERED_FOR_MS = 30_000;

/** The pause before asking again with a fresh consumer. */
const ASK_AGAIN_MS = 100;

/**
 * The messages `stream` holds on subjects matching `filter`, in stream order, up to those stored
 * when it is called (a few later ones may be included).
 *
 * Read with an ordered consumer. On a cluster, one can be created on a server before the others
 * know where its pulls go, and a pull then comes back "no responders" (503): the read goes on with
 * a fresh consumer from the message after the last one read, for as long as `UNANSWERED_FOR_MS`.
 */
export async function* storedMessages(link: NatsLink, stream: string, filter: string): AsyncGenerator<JsMsg> {
  const lastSeq = (await (await jetstreamManager(link.nc)).streams.info(stream)).state.last_seq;
  let lastRead = 0;
  let unansweredSince: number | undefined;
  for (;;) {
    const from = lastRead > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastRead + 1 } : {};
    const consumer = await jetstream(link.nc).consumers.get(stream, { filter_subjects: [filter], ...from });
    try {
      for (;;) {
        const batch = await consumer.fetch({ max_messages: READ_BATCH, expires: 1_000 });
        let received = 0;
        for await (const message of batch) {
          received += 1;
          lastRead = message.seq;
          unansweredSince = undefined;
          yield message;
          if (message.seq >= lastSeq || message.info.pending === 0) return;
        }
        if (received === 0) return;
      }
    } catch (error) {
      unansweredSince ??= Date.now();
      if (!isNoResponders(error) || Date.now() - unansweredSince > UNANSWERED_FOR_MS) throw error;
      await sleep(ASK_AGAIN_MS);
    } finally {
      // The server would keep the ordered consumer for minutes after the last read.
      await consumer.delete().catch(() => false);
    }
  }
}

/** A pull's "no responders" answer, told by its status code: the client does not export the error's class. */
function isNoResponders(error: unknown): boolean {
  return error instanceof JetStreamError && "code" in error && error.code === 503;
}
