import type { ReceivedMessage } from "./receivedMessage.ts";

export type MessageFilter = {
  /** Only messages with this envelope recipient (case-insensitive). */
  to?: string;
  /** Keeps the newest this-many. */
  limit?: number;
};

/** Counters since start (or reset), however many messages the mailbox still holds. */
export type FakeSmtpStats = {
  connections: number;
  /** Connections greeted with 421 by a fault. */
  refusedConnections: number;
  authFailures: number;
  /** Messages accepted with 250. */
  accepted: number;
  /** Bytes of the accepted messages. */
  acceptedBytes: number;
  /** RCPT TO refused, per reply code. */
  refusedRecipients: Record<string, number>;
  /** Messages refused at the end of DATA by a fault, per reply code. */
  refusedMessages: Record<string, number>;
  /** MAIL FROM refused by the rate limit. */
  rateLimited: number;
  /**
   * Messages refused with 552 after DATA for their size. A client that declares a bigger `SIZE=`
   * is refused at MAIL FROM by smtp-server itself, before the fake sees it, and is not counted.
   */
  oversized: number;
};

export type Mailbox = {
  record(message: ReceivedMessage): void;
  /** Oldest first. */
  list(filter?: MessageFilter): ReceivedMessage[];
  stats(): FakeSmtpStats;
  count(counter: "connections" | "refusedConnections" | "authFailures" | "rateLimited" | "oversized"): void;
  countRefusal(counter: "refusedRecipients" | "refusedMessages", code: number): void;
  clear(): void;
};

/** Keeps the newest `size` messages (so a benchmark cannot exhaust memory) and exact counters. */
export function createMailbox(size: number): Mailbox {
  let messages: ReceivedMessage[] = [];
  let stats = emptyStats();
  return {
    record(message) {
      messages.push(message);
      // Trimmed in batches so each record stays O(1) amortised.
      if (messages.length >= size * 2) messages = messages.slice(messages.length - size);
      stats.accepted += 1;
      stats.acceptedBytes += message.size;
    },
    list(filter = {}) {
      const kept = messages.slice(Math.max(0, messages.length - size));
      const to = filter.to?.toLowerCase();
      const matching = kept.filter(
        (message) => to === undefined || message.envelope.rcptTo.some((address) => address.toLowerCase() === to),
      );
      const newest =
        filter.limit === undefined ? matching : matching.slice(Math.max(0, matching.length - filter.limit));
      return structuredClone(newest);
    },
    stats: () => structuredClone(stats),
    count(counter) {
      stats[counter] += 1;
    },
    countRefusal(counter, code) {
      stats[counter][code] = (stats[counter][code] ?? 0) + 1;
    },
    clear() {
      messages = [];
      stats = emptyStats();
    },
  };
}

function emptyStats(): FakeSmtpStats {
  return {
    connections: 0,
    refusedConnections: 0,
    authFailures: 0,
    accepted: 0,
    acceptedBytes: 0,
    refusedRecipients: {},
    refusedMessages: {},
    rateLimited: 0,
    oversized: 0,
  };
}
