import { randomUUID } from "node:crypto";
import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import type { IngestCommand, IngestCommandDraft } from "../model/index.ts";
import { encodeCommand } from "./commands.ts";
import type { NatsLink } from "./connection.ts";
import { UnavailableError } from "./errors.ts";
import { partitionOf } from "./partition.ts";
import { subjects } from "./subjects.ts";

export type CommandPublisher = {
  /**
   * Publishes commands to INGEST and resolves with their ids once JetStream has stored every one.
   * A repeated id within the duplicate window is stored once. Throws UnavailableError when NATS
   * is unreachable.
   */
  publish: (drafts: IngestCommandDraft[]) => Promise<string[]>;
};

export type CommandPublisherOptions = {
  link: NatsLink;
  partitions: number;
  now?: () => Date;
  /** How long to wait for JetStream's acknowledgement of one command. */
  timeoutMs?: number;
};

/** The message id under which a command is deduplicated: scoped by account, since ids come from clients. */
export function commandMessageId(account: string, commandId: string): string {
  return `${account}:${commandId}`;
}

export function createCommandPublisher(options: CommandPublisherOptions): CommandPublisher {
  const js: JetStreamClient = jetstream(options.link.nc);
  const now = options.now ?? (() => new Date());
  const timeout = options.timeoutMs ?? 5_000;

  return {
    async publish(drafts) {
      if (!options.link.isConnected()) throw new UnavailableError("NATS is unreachable; nothing was accepted");
      const acceptedAt = now().toISOString();
      const commands = drafts.map((draft): IngestCommand => {
        const commandId = draft.id ?? randomUUID();
        return {
          type: draft.type,
          data: draft.data,
          metadata: { ...draft.metadata, commandId, acceptedAt },
        } as IngestCommand;
      });
      try {
        // One connection keeps publish order, so one customer's commands are stored in request order.
        await Promise.all(
          commands.map((command) => {
            const { account, customerId, commandId } = command.metadata;
            const subject = subjects.ingest(account, partitionOf(account, customerId, options.partitions));
            return js.publish(subject, encodeCommand(command), {
              msgID: commandMessageId(account, commandId),
              timeout,
            });
          }),
        );
      } catch (error) {
        throw new UnavailableError("NATS did not store the commands; retry with the same ids", { cause: error });
      }
      return commands.map((command) => command.metadata.commandId);
    },
  };
}
