import type { JsMsg } from "@nats-io/jetstream";
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
import { decodeFact, followFactsInOrder, type NatsLink, untilFactsFollowed } from "../../streams/index.ts";

export const MEMBERSHIP_TRACKER = "audience-membership-tracker";

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
  return followFactsInOrder(
    deps.link,
    MEMBERSHIP_TRACKER,
    "chg.*.membership.>",
    (messages) => applyMembershipFacts(messages, deps),
    deps.log,
  );
}

/**
 * Resolves once the tracker has applied every membership fact published so far (nothing pending or
 * unacked on its consumer), so the member lists hold everyone who entered before the call.
 */
export async function untilMembershipsTracked(link: NatsLink, keepAlive: () => void, timeoutMs = 120_000) {
  return untilFactsFollowed(link, MEMBERSHIP_TRACKER, keepAlive, timeoutMs);
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
 * batch is handed out at a time (followFactsInOrder), so nothing changes the members while they are counted.
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
