import { createHash, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Channel, CustomerFact, FactOf, MessageRecordedData } from "../../model/index.ts";
import { type SendDocument, type SendOutcome, type Sends, sendId } from "../../store/index.ts";
import type { ProviderAnswer } from "./providerAnswer.ts";
import { actOn, actOnTakeover, type SendAction } from "./sendOutcome.ts";

/** A decided send as MESSAGES carries it. */
export type DecidedSendFact = FactOf<"send.decided">;

/** A send this worker holds in the ledger, with what the actor decided for it. */
export type ClaimedSend = { entry: SendDocument; fact: DecidedSendFact };

/** What becomes of one MESSAGES message: acked, or handed back to be delivered again after `delayMs`. */
export type MessageVerdict = { kind: "ack" } | { kind: "nak"; delayMs: number };

export type SendBatchDependencies = {
  channel: Channel;
  sends: Sends;
  /** This worker's name: each batch claims the sends it takes as `<claim>:<batch>`, its own. */
  claim: string;
  /**
   * The claims of this worker's batches under way, shared by all of them: a send one of them
   * holds is never taken over by another, however late its renewal (a slow store), so a live
   * batch's send never counts as an unknown outcome.
   */
  inHand: Set<string>;
  /** A SENDING send claimed longer ago than this belongs to a worker that died. */
  staleAfterMs: number;
  /** Renders and calls the provider: one answer per send, never a rejection. */
  deliver: (send: ClaimedSend) => Promise<ProviderAnswer>;
  /** The account's channel integration answered that its settings are wrong. */
  misconfigured: (account: string, reason: string) => Promise<void>;
  /** Publishes `message.recorded` facts to CHANGES under their ids. */
  publish: (facts: CustomerFact[]) => Promise<void>;
  now: () => Date;
  log: Logger;
};

/**
 * Handles one batch of a channel's MESSAGES (docs/architecture.md, "Channels and sends"): records
 * every decided send in the ledger, claims the queued ones, delivers them, records their outcome
 * and tells CHANGES. A send the ledger holds as final is not delivered again, whatever redelivered
 * it; its fact is published again (JetStream drops the duplicate). Answers a verdict per message,
 * in order.
 */
export async function handleSendBatch(
  facts: DecidedSendFact[],
  deps: SendBatchDependencies,
): Promise<MessageVerdict[]> {
  // A claim of the batch's own: two batches in hand at once never share a send.
  const claim = `${deps.claim}:${randomUUID()}`;
  deps.inHand.add(claim);
  try {
    return await handleClaimedBatch(facts, claim, deps);
  } finally {
    deps.inHand.delete(claim);
  }
}

async function handleClaimedBatch(
  facts: DecidedSendFact[],
  claim: string,
  deps: SendBatchDependencies,
): Promise<MessageVerdict[]> {
  const now = deps.now();
  const verdicts: MessageVerdict[] = facts.map(() => ({ kind: "ack" }));
  const ids = facts.map(({ metadata, data }) => sendId(metadata.account, data.sendKey));
  const early = facts.map((fact) => earlyBy(fact, now));
  const recorded = await deps.sends.record(facts.filter((_, i) => early[i] === 0).map(decidedEntry), now);

  const finals: { entry: SendDocument; fact: DecidedSendFact }[] = [];
  const candidates = new Map<string, DecidedSendFact>();
  facts.forEach((fact, i) => {
    const id = ids[i] as string;
    if ((early[i] as number) > 0) {
      verdicts[i] = { kind: "nak", delayMs: early[i] as number };
      return;
    }
    const entry = recorded.get(id);
    if (!entry) throw new Error(`send ${id} is not in the ledger after it was recorded`);
    if (entry.status === "QUEUED" || entry.status === "SENDING") candidates.set(id, fact);
    else finals.push({ entry, fact });
  });

  // Claimed as of now, not as of the batch's start: recording may have taken a while.
  const claimedAt = deps.now();
  const takeover = {
    staleBefore: new Date(claimedAt.getTime() - deps.staleAfterMs),
    alive: (holder: string) => deps.inHand.has(holder),
  };
  const candidateEntries = [...candidates.keys()].map((id) => recorded.get(id) as SendDocument);
  const claimed = await deps.sends.claim(candidateEntries, claim, takeover, claimedAt);
  const claimedIds = new Set(claimed.map((entry) => entry._id));
  facts.forEach((_, i) => {
    // Another worker holds it and is alive: looked at again once its claim could have gone stale.
    if (candidates.has(ids[i] as string) && !claimedIds.has(ids[i] as string)) {
      verdicts[i] = { kind: "nak", delayMs: deps.staleAfterMs };
    }
  });

  const actionFor = async (entry: SendDocument, fact: DecidedSendFact): Promise<SendAction> => {
    // Counted already when the claim took the send over; another earlier one means it went again once.
    const unknowns = entry.unknownOutcomes ?? 0;
    if (entry.takenOverAt?.getTime() === claimedAt.getTime()) {
      deps.log.warn({ send: entry._id }, "send taken over from a worker that stopped while sending it");
      const instead = actOnTakeover(deps.channel, entry.attempts, unknowns >= 2);
      if (instead) return instead;
    }
    const answer = await deps.deliver({ entry, fact });
    return actOn(answer, deps.channel, entry.attempts, unknowns >= 1);
  };

  // Sends held longer than a takeover allows (waiting on the rate limit) are told as held.
  const renewal = setInterval(
    () => {
      deps.sends.renew(claim, [...claimedIds], deps.now()).catch((error: unknown) => {
        deps.log.warn({ err: error, channel: deps.channel }, "could not renew the claim on sends in hand");
      });
    },
    Math.max(50, deps.staleAfterMs / 3),
  );
  // Each final answer is recorded as soon as it comes (with the others that came meanwhile): a
  // worker killed mid-batch leaves only the calls truly in flight to be taken over.
  const outcomes: SendOutcome[] = [];
  const record = recorder((answered: { entry: SendDocument; outcome: SendOutcome }[]) =>
    deps.sends.finish(answered, deps.now()),
  );
  const retried = new Map<string, MessageVerdict>();
  await Promise.all(
    claimed.map(async (entry) => {
      const action = await actionFor(entry, candidates.get(entry._id) as DecidedSendFact);
      if (action.kind === "finish") {
        const { kind, ...outcome } = action;
        outcomes.push({ id: entry._id, ...outcome });
        return record({ entry, outcome: { id: entry._id, ...outcome } });
      }
      const unknown = action.kind === "retry" && action.unknown === true;
      await deps.sends.release(claim, [entry._id], action.reason, unknown, deps.now());
      if (action.kind === "hold") await deps.misconfigured(entry.account, action.reason);
      retried.set(entry._id, { kind: "nak", delayMs: action.afterMs });
    }),
  ).finally(() => clearInterval(renewal));
  await deps.sends.forget(
    claim,
    outcomes.map((outcome) => outcome.id),
  );

  const finished = new Map(outcomes.map((outcome) => [outcome.id, outcome]));
  const told: CustomerFact[] = finals.map(({ entry, fact }) => recordedFact(fact, entry, now));
  for (const entry of claimed) {
    const outcome = finished.get(entry._id);
    if (outcome) told.push(recordedFact(candidates.get(entry._id) as DecidedSendFact, { ...entry, ...outcome }, now));
  }
  await deps.publish(told);
  facts.forEach((_, i) => {
    const verdict = retried.get(ids[i] as string);
    if (verdict) verdicts[i] = verdict;
  });
  return verdicts;
}

/**
 * Writes what is handed to it as it comes, in groups: the first item at once, those that come
 * while a write is under way together in the next. Each call resolves once its item is written.
 */
function recorder<T>(write: (items: T[]) => Promise<void>): (item: T) => Promise<void> {
  let pending: { item: T; settle: (error?: unknown) => void }[] = [];
  let writing = false;
  const pump = async () => {
    writing = true;
    while (pending.length > 0) {
      const group = pending;
      pending = [];
      try {
        await write(group.map(({ item }) => item));
        for (const { settle } of group) settle();
      } catch (error) {
        for (const { settle } of group) settle(error);
      }
    }
    writing = false;
  };
  return (item) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ item, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!writing) void pump();
    });
}

/** How long before its time a deferred send came (0: it is due). */
function earlyBy(fact: DecidedSendFact, now: Date): number {
  const { decision } = fact.data;
  if (decision.status !== "QUEUED" || decision.notBefore === undefined) return 0;
  return Math.max(0, Date.parse(decision.notBefore) - now.getTime());
}

function decidedEntry(fact: DecidedSendFact) {
  const { data, metadata } = fact;
  const suppressed = data.decision.status === "SUPPRESSED" ? { reason: data.decision.reason } : {};
  return {
    account: metadata.account,
    customerId: metadata.customerId,
    sendKey: data.sendKey,
    channel: data.channel,
    category: data.category,
    templateId: data.templateId,
    templateVersion: data.templateVersion,
    source: data.source,
    status: data.decision.status,
    ...suppressed,
    createdAt: new Date(data.decidedAt),
  };
}

/** The `message.recorded` fact of a final ledger entry; its id is the send's and the status's. */
function recordedFact(
  fact: DecidedSendFact,
  entry: Pick<SendDocument, "status" | "reason" | "providerMessageId" | "updatedAt">,
  now: Date,
): CustomerFact {
  const { account, customerId, sourceSeq } = fact.metadata;
  const { sendKey, channel, templateId, templateVersion, source } = fact.data;
  const status = entry.status as MessageRecordedData["status"];
  const data: MessageRecordedData = {
    sendKey,
    channel,
    status,
    templateId,
    templateVersion,
    source,
    at: now.toISOString(),
    ...(entry.reason === undefined ? {} : { reason: entry.reason }),
    ...(entry.providerMessageId === undefined ? {} : { providerMessageId: entry.providerMessageId }),
  };
  const key = createHash("sha256").update(sendKey).digest("base64url");
  const factId = `${account}:send:${key}:${status}`;
  return {
    type: "message.recorded",
    data,
    metadata: { account, customerId, factId, at: now.toISOString(), sourceSeq },
  };
}
