import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { decodeFact, type NatsLink, STREAM_NAMES, subjects, UnavailableError } from "../../streams/index.ts";

/** Facts read from CHANGES per fetch while gathering who changed membership. */
const HISTORY_BATCH = 1_000;

/** The sequence of the newest fact on CHANGES: facts published later have a greater one. */
export async function latestChangeSeq(link: NatsLink): Promise<number> {
  try {
    const jsm = await jetstreamManager(link.nc);
    return (await jsm.streams.info(STREAM_NAMES.changes)).state.last_seq;
  } catch (error) {
    throw new UnavailableError("could not read the CHANGES stream's position", { cause: error });
  }
}

/**
 * The customers who entered or left an audience after CHANGES sequence `fromSeq`, up to the facts
 * published when it is called (a few later ones may be included), in stream order, repeats included.
 */
export async function* customersChangedSince(
  link: NatsLink,
  account: string,
  audienceId: string,
  fromSeq: number,
): AsyncGenerator<string> {
  const lastSeq = await latestChangeSeq(link);
  if (lastSeq <= fromSeq) return;
  const consumer = await jetstream(link.nc).consumers.get(STREAM_NAMES.changes, {
    filter_subjects: [subjects.change(account, `membership.${audienceId}`)],
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: fromSeq + 1,
  });
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
}
