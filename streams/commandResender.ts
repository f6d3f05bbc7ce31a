import { jetstream } from "@nats-io/jetstream";
import type { NatsLink } from "./connection.ts";
import { UnavailableError } from "./errors.ts";

/** A command as it was stored in INGEST: its subject (account and partition) and its bytes. */
export type StoredCommand = { subject: string; payload: string };

export type CommandResender = {
  /**
   * Stores a command in INGEST again, byte for byte, under `messageId` (the same id twice within
   * the duplicate window is stored once). Throws UnavailableError when NATS does not store it.
   */
  resend: (command: StoredCommand, messageId: string) => Promise<void>;
};

export function createCommandResender(link: NatsLink, timeoutMs = 5_000): CommandResender {
  const js = jetstream(link.nc);
  return {
    async resend({ subject, payload }, messageId) {
      if (!link.isConnected()) throw new UnavailableError("NATS is unreachable; nothing was sent again");
      try {
        await js.publish(subject, payload, { msgID: messageId, timeout: timeoutMs });
      } catch (error) {
        throw new UnavailableError("NATS did not store the command; retry", { cause: error });
      }
    },
  };
}
