import type { Subscription } from "@nats-io/transport-node";
import type { Services } from "../schema/index.ts";
import { type InAppMessage, type InAppMessages, inAppMessageId } from "../store/index.ts";
import { decodeFact, factSubjectKind, type NatsLink, subjects } from "../streams/index.ts";

/**
 * The `inAppMessageReceived` feed: the in-app channel stores a message in the inbox, then
 * publishes its `message.recorded` fact (SENT, IN_APP) to CHANGES; this listens to the account's
 * message facts (core NATS, live) and yields, for the customer's, the stored message. A message
 * already expired or dismissed when its fact arrives is not yielded.
 */
export function inAppMessagesReceivedOf(
  link: NatsLink,
  inbox: InAppMessages,
  now: () => Date = () => new Date(),
): Services["inAppMessagesReceived"] {
  return async (account, customerId) => {
    const subscription = link.nc.subscribe(subjects.change(account, factSubjectKind("message.recorded")));
    try {
      // Once the server has the subscription, every fact published afterwards reaches it.
      await link.nc.flush();
    } catch (error) {
      subscription.unsubscribe();
      throw error;
    }
    const messages = received(subscription, inbox, account, customerId, now);
    // graphql-js ends a subscription with `return()`; a generator waiting for a fact would only
    // see that after the next one, so unsubscribing ends the wait first.
    const stop = async (): Promise<IteratorResult<InAppMessage>> => {
      subscription.unsubscribe();
      await messages.return(undefined);
      return { done: true, value: undefined };
    };
    const feed: AsyncIterableIterator<InAppMessage> = {
      next: () => messages.next(),
      return: stop,
      throw: stop,
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return feed;
  };
}

async function* received(
  subscription: Subscription,
  inbox: InAppMessages,
  account: string,
  customerId: string,
  now: () => Date,
): AsyncGenerator<InAppMessage> {
  for await (const message of subscription) {
    const fact = decodeFact(message.data);
    if (fact.type !== "message.recorded" || fact.metadata.customerId !== customerId) continue;
    if (fact.data.channel !== "IN_APP" || fact.data.status !== "SENT") continue;
    const stored = await inbox.get(account, inAppMessageId(account, fact.data.sendKey));
    if (!stored || stored.customerId !== customerId || stored.dismissedAt || stored.expiresAt <= now()) continue;
    yield stored;
  }
}
