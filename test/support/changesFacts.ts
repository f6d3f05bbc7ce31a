import { jetstream } from "@nats-io/jetstream";
import { type CustomerFact, type CustomerFactDraft, completeFact } from "../../model/index.ts";
import { encodeFact, factSubject, type NatsLink } from "../../streams/index.ts";

/** Publishes a fact to CHANGES as the customer actor does: on its subject, its id the message id. Its sequence. */
export async function publishToChanges(link: NatsLink, fact: CustomerFact): Promise<number> {
  const { seq } = await jetstream(link.nc).publish(factSubject(fact), encodeFact(fact), {
    msgID: fact.metadata.factId,
  });
  return seq;
}

/** A customer's `tap` event, as the destinations' tests send it. */
export function tapEvent(eventId: string, properties: Record<string, number> = {}): CustomerFactDraft {
  return {
    type: "event.recorded",
    data: { eventId, name: "tap", timestamp: new Date().toISOString(), properties, internal: false },
  };
}

/**
 * An account's facts published to CHANGES one after another, numbered from 1 (`sourceSeq`), each
 * known by the id it answers: `<account>:<customer>:<number>`.
 */
export function accountFacts(link: NatsLink, account: string) {
  let counter = 0;
  const publish = async (customerId: string, draft: CustomerFactDraft): Promise<string> => {
    counter += 1;
    const factId = `${account}:${customerId}:${counter}`;
    const at = new Date().toISOString();
    await publishToChanges(link, completeFact(draft, { account, customerId, factId, at, sourceSeq: counter }));
    return factId;
  };
  return {
    publish,
    /** A tap of `customerId`, its event id numbered like the facts. */
    tap: (customerId: string) => publish(customerId, tapEvent(`e-${counter}`)),
  };
}
