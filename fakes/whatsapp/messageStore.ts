import type { SentTemplate } from "./templateSend.ts";

/** A message the fake accepted, as the user would get it. */
export type FakeWhatsAppMessage = {
  /** The `wamid.…` answered. */
  id: string;
  phoneNumberId: string;
  /** `to` as sent. */
  to: string;
  waId: string;
  type: "template" | "text";
  template?: SentTemplate;
  text?: string;
  /** Acceptance, by the fake's clock (epoch ms). */
  time: number;
};

export type MessageFilter = { to?: string; phoneNumberId?: string; template?: string };

export type MessageStore = {
  add(message: FakeWhatsAppMessage): void;
  /** Oldest first. */
  list(filter?: MessageFilter): FakeWhatsAppMessage[];
  clear(): void;
};

/** Every accepted message, kept whole: tests read what was sent to whom. */
export function createMessageStore(): MessageStore {
  let messages: FakeWhatsAppMessage[] = [];
  return {
    add: (message) => {
      messages.push(message);
    },
    list(filter = {}) {
      const to = filter.to?.replace(/^\+/, "");
      return structuredClone(
        messages.filter(
          (m) =>
            (to === undefined || m.waId === to) &&
            (filter.phoneNumberId === undefined || m.phoneNumberId === filter.phoneNumberId) &&
            (filter.template === undefined || m.template?.name === filter.template),
        ),
      );
    },
    clear() {
      messages = [];
    },
  };
}
