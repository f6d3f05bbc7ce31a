import { randomUUID } from "node:crypto";
import { JetStreamApiError, type JetStreamClient, jetstream } from "@nats-io/jetstream";
import type { CommandIdentity, IngestCommand, IngestCommandDraft } from "../model/index.ts";
import {
  DUPLICATE_IN_BATCH,
  type IdentifiedMessage,
  MAX_BATCH_MESSAGES,
  publishAtomically,
  TOO_MANY_BATCHES,
} from "./atomicPublish.ts";
import { encodeBoundedCommand } from "./commands.ts";
import type { NatsLink } from "./connection.ts";
import { STREAM_NAMES } from "./definitions.ts";
import { UnavailableError } from "./errors.ts";
import { createGroupCommit } from "./groupCommit.ts";
import { partitionOf } from "./partition.ts";
import { storedMessageIds } from "./storedMessageIds.ts";
import { subjects } from "./subjects.ts";

export type CommandPublisher = {
  /**
   * Stores commands in INGEST, all or none (at most 1,000 a call), and resolves with their ids.
   * A command whose id INGEST holds already (within the duplicate window) is stored once; so is an
   * id repeated in the call (its first command). Nothing is published when a command is over
   * COMMAND_MAX_BYTES encoded (CommandTooLargeError). Throws UnavailableError when NATS is
   * unreachable or did not store the commands: then none was stored, or, if only the
   * confirmation was lost, all were; a retry with the same ids stores each once.
   */
  publish: (drafts: IngestCommandDraft[]) => Promise<string[]>;
};

export type CommandPublisherOptions = {
  link: NatsLink;
  partitions: number;
  now?: () => Date;
  /** How long to wait for each of JetStream's answers (a batch's start, its commit). */
  timeoutMs?: number;
};

/**
 * Atomic batches one process keeps open at once, below the server's 50 a stream: beyond it, calls
 * wait here and share the next batch (groupCommit.ts) instead of racing for the stream's slots.
 */
const OPEN_BATCHES_PER_PROCESS = 16;

/** A command's id and whose it is; the ids Masivo generates are its own, as are those it derives. */
type Identity = CommandIdentity | { generated: string };

/**
 * The `Nats-Msg-Id` a command is deduplicated by: scoped by account, then by whose id it is
 * (`client` or `masivo`), so no client id can equal an id Masivo generated or derived.
 */
export function commandMessageId(account: string, identity: Identity): string {
  return `${account}:${"client" in identity ? "client" : "masivo"}:${escapeId(idOf(identity))}`;
}

function idOf(identity: Identity): string {
  return "client" in identity ? identity.client : "derived" in identity ? identity.derived : identity.generated;
}

/**
 * Letters, digits and `._~:-` as they are, any other UTF-16 unit (`%` included) as `%` and four hex
 * digits: header values lose surrounding spaces and cannot hold line breaks, and two ids must never
 * share a message id.
 */
function escapeId(id: string): string {
  return id.replace(/[^A-Za-z0-9._~:-]/g, (unit) => `%${unit.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function createCommandPublisher(options: CommandPublisherOptions): CommandPublisher {
  const nc = options.link.nc;
  const js: JetStreamClient = jetstream(nc);
  const now = options.now ?? (() => new Date());
  const timeout = options.timeoutMs ?? 5_000;

  /**
   * Stores messages all or none. A batch refused for holding ids INGEST has already (a retry, or a
   * call repeating ids of an earlier one) is sent again without them, once: JetStream refuses a
   * whole batch for one known id, where a single publish would skip just that message.
   */
  async function store(messages: IdentifiedMessage[], deadline: number, retries = 1): Promise<void> {
    const [only] = messages;
    if (only && messages.length === 1) {
      await js.publish(only.subject, only.payload, { msgID: only.msgId, timeout });
      return;
    }
    try {
      await publishAtomically(nc, js, messages, timeout);
    } catch (error) {
      if (!(error instanceof JetStreamApiError)) throw error;
      if (error.code === TOO_MANY_BATCHES && Date.now() < deadline) {
        // Other requests' batches fill the stream's slots for a moment: wait for one to end.
        await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
        return store(messages, deadline, retries);
      }
      if (error.code !== DUPLICATE_IN_BATCH || retries === 0) throw error;
      const stored = await storedMessageIds(js, STREAM_NAMES.ingest, messages, timeout);
      const missing = messages.filter((message) => !stored.has(message.msgId));
      if (missing.length > 0) await store(missing, deadline, retries - 1);
    }
  }

  const batches = createGroupCommit({
    width: OPEN_BATCHES_PER_PROCESS,
    maxMessages: MAX_BATCH_MESSAGES,
    store: (messages) => store(messages, Date.now() + timeout),
  });

  return {
    async publish(drafts) {
      if (drafts.length > MAX_BATCH_MESSAGES) {
        throw new Error(
          `${drafts.length} commands in one call: at most ${MAX_BATCH_MESSAGES} can be stored all or none`,
        );
      }
      if (!options.link.isConnected()) throw new UnavailableError("NATS is unreachable; nothing was accepted");
      const acceptedAt = now().toISOString();
      // Every command is encoded, and its size checked, before any is sent.
      const prepared = drafts.map((draft, index) => {
        const identity = draft.id ?? { generated: randomUUID() };
        const { account, customerId } = draft.metadata;
        const commandId = idOf(identity);
        const metadata = { account, customerId, commandId, acceptedAt };
        const command = { type: draft.type, data: draft.data, metadata } as IngestCommand;
        const message: IdentifiedMessage = {
          subject: subjects.ingest(account, partitionOf(account, customerId, options.partitions)),
          payload: encodeBoundedCommand(command, index),
          msgId: commandMessageId(account, identity),
        };
        return { commandId, message };
      });
      // In request order, so one customer's commands are stored in the order they were accepted. An
      // id repeated in one call is stored once, as its first command (JetStream keeps the first too).
      const messages = prepared.map(({ message }) => message);
      try {
        if (messages.length === 1) await store(messages, Date.now() + timeout);
        else await batches.submit(messages);
      } catch (error) {
        throw new UnavailableError("NATS did not store the commands; retry with the same ids", { cause: error });
      }
      return prepared.map(({ commandId }) => commandId);
    },
  };
}
