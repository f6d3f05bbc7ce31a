import { decodeFact, type NatsLink, STREAM_NAMES, storedMessages, subjects } from "../../streams/index.ts";

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
  for await (const message of storedMessages(link, STREAM_NAMES.changes, filter)) {
    const fact = decodeFact(message.data);
    if (fact.type === "membership.changed") yield fact.metadata.customerId;
  }
}
