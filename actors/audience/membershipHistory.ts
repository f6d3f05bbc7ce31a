import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { decodeFact, type NatsLink, STREAM_NAMES, subjects } from "../../streams/index.ts";

/** Facts read from CHANGES per fetch while gathering who entered or left. */
const HISTORY_BATCH = 1_000;

/**
 * The customers who entered or left an audience in the facts CHANGES still holds (its retention,
 * 7 days), up to those published when it is called (a few later ones may be included), in stream
 * order, repeats included.
 */
export async function* customersWhoChangedMembership(
  link: NatsLink,
  account: string,
  audienceId: string,
): AsyncGenerator<string> {
  const filter = subjects.change(account, `membership.${audienceId}`);
  const jsm = await jetstreamManager(link.nc);
  const lastSeq = (await jsm.streams.info(STREAM_NAMES.changes)).state.last_seq;
  const consumer = await jetstream(link.nc).consumers.get(STREAM_NAMES.changes, { filter_subjects: [filter] });
  try {
    for (;;) {
      const batch = await consumer.fetch({ max_messages: HISTORY_BATCH, expires: 1_000 });
      let received = 0;
      let done = false;
      for await (const message of batch) {
        received += 1;
        const fact = decodeFact(message.data);
        if (fact.type === "membership.changed") yield fact.metadata.customerId;
        done = message.seq >= lastSeq || message.info.pending === 0;
        if (done) break;
      }
      if (done || received === 0) return;
    }
  } finally {
    // The server would keep the ordered consumer for minutes after the last read.
    await consumer.delete().catch(() => false);
  }
}
