import type { FakeSmtpStats, MessageFilter } from "./mailbox.ts";
import type { ReceivedMessage } from "./receivedMessage.ts";
import type { FakeWorld } from "./world.ts";

/** Read-only views of what the fake holds; every call returns copies. */
export type FakeSmtpState = {
  messages(filter?: MessageFilter): ReceivedMessage[];
  stats(): FakeSmtpStats;
};

export function createStateView(world: FakeWorld): FakeSmtpState {
  return {
    messages: (filter) => world.mailbox.list(filter),
    stats: () => world.mailbox.stats(),
  };
}
