import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { CustomerFact } from "../../model/index.ts";
import {
  type AudienceMembers,
  type AudienceRuns,
  type Audiences,
  type MembershipUpdate,
  memberKey,
  type RunOutcomes,
} from "../../store/index.ts";
import { decodeFact, type NatsLink, STREAM_NAMES } from "../../streams/index.ts";

export const MEMBERSHIP_TRACKER = "audience-membership-tracker";

/**
 * At most this many facts are outstanding at once across every `audiences` process, so the one
 * durable consumer hands out one batch at a time and the facts are applied in stream order.
 */
export const TRACKER_BATCH = 500;

/** A batch whose process died is handed out again after this; a live one keeps it every KEEP_ALIVE_MS. */
const ACK_WAIT_MS = 6_000;
const KEEP_ALIVE_MS = 2_000;
/** How long a batch handed out before older facts waits before it is fetched again. */
const OUT_OF_TURN_DELAY_MS = 500;

/**
 * Whether facts other than the batch in hand are handed out and unacked: older ones (the
 * consumer hands out in stream order, so a batch fetched while others are out may be newer).
 */
async function othersPending(jsm: JetStreamManager, inHand: number): Promise<boolean> {
  const info = await jsm.consumers.info(STREAM_NAMES.changes, MEMBERSHIP_TRACKER);
  return info.num_ack_pending > inHand;
}

export type MembershipTrackerDependencies = {
  link: NatsLink;
  audiences: Audiences;
  runs: AudienceRuns;
  members: AudienceMembers;
  finishRun: (runId: string) => Promise<void>;
  log: Logger;
};

export type MembershipTracker = { stop: () => Promise<void> };

type Counted = RunOutcomes & { lastSeq: number; facts: { seq: number; fact: CustomerFact }[] };

/**
 * Follows the membership facts on CHANGES: keeps the member lists and sizes, and counts each run's
 * outcomes (facts at or below the run's `countedSeq` were counted already and are skipped, so a
 * redelivered batch counts once), closing runs that are complete.
 */
export async function startMembershipTracker(deps: MembershipTrackerDependencies): Promise<MembershipTracker> {
  const jsm = await jetstreamManager(deps.link.nc);
  await jsm.consumers.add(STREAM_NAMES.changes, {
    durable_name: MEMBERSHIP_TRACKER,
    filter_subject: "chg.*.membership.>",
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: TRACKER_BATCH,
    ack_wait: ACK_WAIT_MS * 1_000_000, // nanoseconds
  });
  // A consumer made by an earlier version keeps its ack wait (30 s) unless it is updated.
  const { config } = await jsm.consumers.info(STREAM_NAMES.changes, MEMBERSHIP_TRACKER);
  if (config.ack_wait !== ACK_WAIT_MS * 1_000_000) {
    await jsm.consumers.update(STREAM_NAMES.changes, MEMBERSHIP_TRACKER, { ack_wait: ACK_WAIT_MS * 1_000_000 });
  }
  const consumer = await jetstream(deps.link.nc).consumers.get(STREAM_NAMES.changes, MEMBERSHIP_TRACKER);
  let stopping = false;
  const running = (async () => {
    while (!stopping) {
      try {
        const batch = await consumer.fetch({ max_messages: TRACKER_BATCH, expires: 1_000 });
        const messages: JsMsg[] = [];
        for await (const message of batch) messages.push(message);
        if (messages.length === 0) continue;
        if (await othersPending(jsm, messages.length)) {
          // Older facts are in another process's hands (one that died leaves them until the ack
          // wait runs out): facts are applied in stream order only, or an older membership could
          // overwrite a newer one and a run's counted mark skip the older facts for good.
          // Handed back at once, so that the next fetch takes them with the older ones, in order.
          for (const message of messages) message.nak();
          await new Promise((resolve) => setTimeout(resolve, OUT_OF_TURN_DELAY_MS));
          continue;
        }
        // Redelivered facts may come after newer ones in a fetch.
        messages.sort((a, b) => a.seq - b.seq);
        // A batch slower than the consumer's ack wait would be handed out again meanwhile.
        const keepAlive = setInterval(() => {
          for (const message of messages) message.working();
        }, KEEP_ALIVE_MS);
        try {
          await applyMembershipFacts(messages, deps);
        } catch (error) {
          // Handed out again after the pause below, rather than once the ack wait runs out.
          for (const message of messages) message.nak(1_000);
          throw error;
        } finally {
          clearInterval(keepAlive);
        }
        for (const message of messages) message.ack();
      } catch (error) {
        if (stopping) break;
        deps.log.error({ err: error }, "membership tracker batch failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  })();
  return {
    async stop() {
      stopping = true;
      await running;
    },
  };
}

/**
 * Resolves once the tracker has applied every membership fact published so far (nothing pending or
 * unacked on its consumer), so the member lists hold everyone who entered before the call.
 */
export async function untilMembershipsTracked(link: NatsLink, keepAlive: () => void, timeoutMs = 120_000) {
  const jsm = await jetstreamManager(link.nc);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await jsm.consumers.info(STREAM_NAMES.changes, MEMBERSHIP_TRACKER);
    if (info.num_pending + info.num_ack_pending === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`membership tracker still has ${info.num_pending + info.num_ack_pending} facts to apply`);
    }
    keepAlive();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function applyMembershipFacts(messages: JsMsg[], deps: MembershipTrackerDependencies) {
  const updates = new Map<string, MembershipUpdate>();
  const byRun = new Map<string, Counted>();
  for (const message of messages) {
    let fact: CustomerFact;
    try {
      fact = decodeFact(message.data);
    } catch (error) {
      deps.log.error({ err: error, seq: message.seq, subject: message.subject }, "unreadable membership fact skipped");
      continue;
    }
    if (fact.type === "membership.changed") {
      const { account, customerId } = fact.metadata;
      const { audienceId, change, at } = fact.data;
      // The last fact of a batch for one member is the membership that holds.
      updates.set(memberKey(audienceId, customerId), {
        audienceId,
        account,
        customerId,
        member: change === "ENTERED",
        since: at,
      });
    }
    const runId =
      fact.type === "membership.changed" || fact.type === "membership.unchanged" || fact.type === "membership.renamed"
        ? fact.data.runId
        : undefined;
    if (runId) {
      const counted = byRun.get(runId) ?? { entered: 0, exited: 0, unchanged: 0, lastSeq: 0, facts: [] };
      counted.facts.push({ seq: message.seq, fact });
      byRun.set(runId, counted);
    }
  }

  await applyMembers([...updates.values()], deps);

  for (const [runId, counted] of byRun) {
    const run = await deps.runs.byId(runId);
    if (!run) continue;
    for (const { seq, fact } of counted.facts) {
      if (seq <= run.countedSeq) continue;
      counted.lastSeq = Math.max(counted.lastSeq, seq);
      // A rename leaves membership as it was.
      if (fact.type === "membership.unchanged" || fact.type === "membership.renamed") counted.unchanged += 1;
      else if (fact.type === "membership.changed" && fact.data.change === "ENTERED") counted.entered += 1;
      else counted.exited += 1;
    }
    if (counted.lastSeq === 0) continue;
    const { entered, exited, unchanged } = counted;
    await deps.runs.addOutcomes(runId, { entered, exited, unchanged }, counted.lastSeq);
    await deps.finishRun(runId);
  }
}

/**
 * Writes the members and moves the sizes with them so that a failure between the two cannot leave
 * a size wrong for good: the audiences touched are marked uncertain first and unmarked once their
 * sizes moved; a batch finding marks left by one that failed (its redelivery finds the members
 * written already, and would move nothing) counts those audiences' members instead. Only one
 * batch is handed out at a time (TRACKER_BATCH), so nothing changes the members while they are counted.
 */
async function applyMembers(updates: MembershipUpdate[], deps: MembershipTrackerDependencies) {
  for (const audienceId of await deps.audiences.withUncertainSizes()) {
    await deps.audiences.setSize(audienceId, await deps.members.count(audienceId));
  }
  const touched = [...new Set(updates.map((update) => update.audienceId))];
  await deps.audiences.markSizesUncertain(touched, true);
  const deltas = await deps.members.apply(updates);
  await deps.audiences.adjustSizes(deltas);
  await deps.audiences.markSizesUncertain(touched, false);
}
