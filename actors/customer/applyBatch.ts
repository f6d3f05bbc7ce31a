import type { Logger } from "pino";
import {
  type ConsentPurpose,
  completeFact,
  type IngestCommand,
  messageOf,
  type PersistedCustomer,
} from "../../model/index.ts";
import type {
  CustomerDocument,
  Customers,
  CustomerWrite,
  DeadLetter,
  DeadLetters,
  DeviceTokens,
} from "../../store/index.ts";
import { customerKey, deniedPurposes } from "../../store/index.ts";
import {
  accountOfIngestSubject,
  type CommandPublisher,
  decodeCommand,
  type FactPublisher,
  factIdOf,
  type PreparedFact,
  STREAM_NAMES,
} from "../../streams/index.ts";
import { applyCommand } from "./applyCommand.ts";
import type { AccountJourneys } from "./journeys.ts";
import type { AudienceRule } from "./memberships.ts";
import { describeRefusal } from "./outcomes.ts";
import { customerOfDocument, documentOfCustomer } from "./storedCustomers.ts";

/** One INGEST message as the partition consumer hands it over. */
export type IngestMessage = { seq: number; subject: string; data: Uint8Array };

export type BatchDependencies = {
  customers: Customers;
  deviceTokens: DeviceTokens;
  deadLetters: Pick<DeadLetters, "record">;
  facts: FactPublisher;
  commands: CommandPublisher;
  /** The newest known document of a customer in memory; undefined sends the look-up to the store. */
  current: (key: string) => CustomerDocument | undefined;
  /**
   * Throws when what the batch was decided on may be stale (the partition's lease is no longer
   * safely held, or its memory was spoiled by a failed write): then nothing may leave, and the
   * batch is retried. Checked right before each of the batch's effects.
   */
  assertCurrent: () => void;
  /** The account's rule audiences, re-evaluated in real time (see memberships.ts). */
  audiencesOf: (account: string) => readonly AudienceRule[];
  /** Resolves once `audiencesOf` holds every audience change made so far (see the catalog). */
  audiencesCaughtUp: () => Promise<void>;
  /** The account's journeys (see journeys.ts). */
  journeysOf: (account: string) => AccountJourneys;
  /** The ids of the account's audiences whose `pushTopic` is on (see pushTopics.ts). */
  pushTopicsOf: (account: string) => ReadonlySet<string>;
  /**
   * Why the store refused a customer's document holding this command (see writeBehind.ts), or
   * undefined: such commands are dead-lettered instead of being applied again.
   */
  refusedByStore: (key: string, seq: number) => string | undefined;
  /** Commands up to this sequence had their facts and device moves published already (see partitionRunner.ts). */
  publishedThrough: number;
  now: () => Date;
  log: Logger;
};

export type BatchOutcome = {
  applied: number;
  skipped: number;
  deadLettered: number;
  /** The customers the batch changed, each with the version it was read at, to be written. */
  writes: CustomerWrite[];
};

/**
 * A customer of the batch: as loaded (migrated to the current version), then as each command
 * leaves it. `lastSeq` is the last sequence applied to what would be stored.
 */
type Pending = {
  key: string;
  readVersion: number;
  /** The purposes the customer had denied as read, which its write compares with (consentDenials). */
  deniedAtRead: ConsentPurpose[];
  lastSeq: number;
  customer: PersistedCustomer | undefined;
  changed: boolean;
};

/**
 * Applies one batch of a partition's commands: groups them by customer, applies each customer's
 * commands in order (skipping any at or below its `lastSeq`), moves device tokens and publishes
 * the facts (ids derived from the input sequence). It returns the changed customers for the
 * caller to write (see writeBehind.ts). A replay of the same messages changes nothing and
 * republishes only duplicates JetStream drops.
 */
export async function applyBatch(messages: IngestMessage[], deps: BatchDependencies): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { applied: 0, skipped: 0, deadLettered: 0, writes: [] };
  const deadLetters: DeadLetter[] = [];
  const byCustomer = new Map<string, { message: IngestMessage; command: IngestCommand }[]>();
  for (const message of messages) {
    try {
      const command = decodeCommand(message.data);
      const key = customerKey(command.metadata.account, command.metadata.customerId);
      const list = byCustomer.get(key) ?? [];
      list.push({ message, command });
      byCustomer.set(key, list);
    } catch (error) {
      deps.log.warn({ err: error, seq: message.seq }, "unreadable command; dead-lettered");
      deadLetters.push(deadLetter(message, undefined, error, deps.now()));
    }
  }

  // An audience's new name (or push topic) is in the catalog before its run asks anyone: once
  // this worker has it too, every decision after a customer's rename (or refresh) follows it.
  const renames = [...byCustomer.values()].some((list) =>
    list.some(({ command }) => command.type === "membership.rename" || command.type === "pushTopic.refresh"),
  );
  if (renames) await deps.audiencesCaughtUp();
  const pending = await loadCustomers([...byCustomer.keys()], deps);
  const facts: PreparedFact[] = [];
  const moves: TokenMove[] = [];
  for (const [key, commands] of byCustomer) {
    const customer = pending.get(key) as Pending;
    for (const { message, command } of commands) {
      const seq = message.seq;
      if (customer.customer && seq <= customer.lastSeq) {
        outcome.skipped += 1;
        continue;
      }
      const storeRefusal = deps.refusedByStore(key, seq);
      if (storeRefusal !== undefined) {
        deadLetters.push(deadLetter(message, command, storeRefusal, deps.now()));
        continue;
      }
      try {
        const decided = decide(customer.customer, command, seq, deps);
        for (const outcome of decided.outcomes) deps.log.info({ customer: key, seq, outcome }, outcome.type);
        // Decided again on a replay, for the memory: its effects already left.
        if (seq > deps.publishedThrough) {
          facts.push(...decided.facts);
          moves.push(...decided.moves);
        }
        // An absent customer that stays absent leaves nothing to store; any other is written.
        if (decided.snapshot) {
          customer.customer = decided.snapshot;
          customer.lastSeq = seq;
          customer.changed = true;
        }
        outcome.applied += 1;
      } catch (error) {
        deps.log.warn({ err: error, customer: key, seq, type: command.type }, "command not applied; dead-lettered");
        deadLetters.push(deadLetter(message, command, error, deps.now()));
      }
    }
  }

  deps.assertCurrent();
  await moveDeviceTokens(moves, deps);
  deps.assertCurrent();
  await deps.facts.publish(facts);
  await deps.deadLetters.record(deadLetters);
  outcome.deadLettered = deadLetters.length;

  for (const { key, readVersion, deniedAtRead, lastSeq, customer, changed } of pending.values()) {
    if (!changed || !customer) continue;
    const document = documentOfCustomer(customer, { _id: key, version: readVersion + 1, lastSeq });
    outcome.writes.push({ document, readVersion, deniedBefore: deniedAtRead });
  }
  return outcome;
}

/**
 * One command applied to its customer, with its facts prepared for CHANGES and the device moves
 * it causes. Throws, changing nothing, when the command cannot take effect: the machine refused it
 * (a bound), or a fact it decided is more than NATS carries.
 */
function decide(customer: PersistedCustomer | undefined, command: IngestCommand, seq: number, deps: BatchDependencies) {
  const now = deps.now();
  const { account, customerId } = command.metadata;
  const result = applyCommand(
    customer,
    command,
    now,
    deps.audiencesOf(account),
    deps.journeysOf(account),
    deps.pushTopicsOf(account),
  );
  if (result.refused) throw new Error(describeRefusal(result.refused));
  const moves: TokenMove[] = [];
  const facts = result.facts.map((draft, index) => {
    if (draft.type === "device.registered") {
      const registeredAt = command.metadata.acceptedAt;
      moves.push({ account, customerId, token: draft.data.token, registeredAt, seq, index });
    }
    const metadata = {
      account,
      customerId,
      factId: factIdOf(account, seq, index),
      at: now.toISOString(),
      sourceSeq: seq,
    };
    return deps.facts.prepare(completeFact(draft, metadata));
  });
  return { snapshot: result.snapshot, facts, moves, outcomes: result.outcomes };
}

async function loadCustomers(keys: string[], deps: BatchDependencies): Promise<Map<string, Pending>> {
  // What memory holds is read once, before the store is: a customer that leaves memory meanwhile
  // (evicted from the cache, or its failed write dropped) must not read as absent, i.e. new.
  const inMemory = new Map(keys.map((key) => [key, deps.current(key)]));
  const loaded = await deps.customers.loadMany(keys.filter((key) => !inMemory.get(key)));
  return new Map(
    keys.map((key) => {
      const document = inMemory.get(key) ?? loaded.get(key);
      const customer = document && customerOfDocument(document);
      return [
        key,
        {
          key,
          readVersion: document?.version ?? 0,
          deniedAtRead: deniedPurposes(document),
          lastSeq: document?.lastSeq ?? 0,
          customer,
          changed: false,
        },
      ];
    }),
  );
}

type TokenMove = {
  account: string;
  token: string;
  customerId: string;
  registeredAt: string;
  seq: number;
  index: number;
};

/**
 * A token belongs to the customer who registered it last (by acceptance time): whoever else holds
 * it gets a `device.unregister` command. Customers live in different partitions, applied
 * concurrently, so an older registration may arrive after a newer one: it then unregisters
 * itself. The command id derives from the registering message, so a replay sends it once.
 */
async function moveDeviceTokens(moves: TokenMove[], deps: BatchDependencies) {
  for (const move of moves) {
    const claimant = { customerId: move.customerId, registeredAt: move.registeredAt };
    const claim = await deps.deviceTokens.claim(move.account, move.token, claimant);
    const loser = claim.won ? claim.displaced : move.customerId;
    if (loser === undefined) continue;
    await deps.commands.publish([
      {
        type: "device.unregister",
        id: { derived: `device-move:${move.seq}:${move.index}` },
        data: { token: move.token },
        metadata: { account: move.account, customerId: loser },
      },
    ]);
  }
}

/** Most characters of an error kept in a dead letter (a store may quote the whole document). */
const DEAD_LETTER_ERROR_LENGTH = 2_000;

function deadLetter(message: IngestMessage, command: IngestCommand | undefined, cause: unknown, now: Date): DeadLetter {
  const error = messageOf(cause);
  return {
    _id: `${STREAM_NAMES.ingest}:${message.seq}`,
    account: command?.metadata.account ?? accountOfIngestSubject(message.subject),
    customerId: command?.metadata.customerId ?? null,
    kind: command?.type ?? "unreadable",
    stream: STREAM_NAMES.ingest,
    seq: message.seq,
    subject: message.subject,
    payload: new TextDecoder().decode(message.data),
    error: error.length > DEAD_LETTER_ERROR_LENGTH ? `${error.slice(0, DEAD_LETTER_ERROR_LENGTH)}…` : error,
    at: now,
  };
}
