import type { CustomerFactDraft, CustomerState, Membership } from "../../model/index.ts";
import { matchesRule, type Rule, validateRule } from "../../rules/index.ts";
import type { Step } from "./state.ts";

/**
 * A rule audience as the customer actor sees it: its rule and the document areas the rule reads
 * (`rulePaths`), so a change re-evaluates only the audiences that read what changed.
 */
export type AudienceRule = { id: string; name?: string; rule: Rule; paths: readonly string[] };

/** What a membership change is about, besides yes or no. */
export type MembershipRequest = {
  audienceId: string;
  audienceName?: string;
  member: boolean;
  /** The audience run asking, when one does. */
  runId?: string;
  audienceDeleted?: boolean;
};

/** Every area: a created customer, or one that became identified, is evaluated for every audience. */
const EVERYTHING = "*";

const PROFILE_AREAS: Record<string, string> = {
  email: "profile",
  phone: "profile",
  firstName: "profile",
  lastName: "profile",
  tier: "profile",
  timezone: "profile",
  attributes: "attributes",
  consent: "consent",
  identified: EVERYTHING,
};

/** The document areas a step's facts changed, in `rulePaths` terms. */
export function changedAreas(facts: readonly CustomerFactDraft[]): Set<string> {
  const areas = new Set<string>();
  for (const fact of facts) {
    switch (fact.type) {
      case "customer.profileChanged":
        if (fact.data.created) areas.add(EVERYTHING);
        for (const field of fact.data.changed) areas.add(PROFILE_AREAS[field] ?? EVERYTHING);
        break;
      case "tags.changed":
        areas.add("tags");
        break;
      case "event.recorded":
        areas.add(`stats:${fact.data.name}`);
        break;
      case "device.registered":
      case "device.unregistered":
        areas.add("devices");
        break;
    }
  }
  return areas;
}

function reads(audience: AudienceRule, areas: ReadonlySet<string>): boolean {
  return areas.has(EVERYTHING) || audience.paths.some((path) => areas.has(path));
}

export function isMember(state: CustomerState, audienceId: string): boolean {
  return state.memberships.some((m) => m.audienceId === audienceId);
}

/**
 * Makes the customer a member of an audience or not. A change yields `membership.changed`;
 * when `runId` is given (an audience run asked) and nothing changes, `membership.unchanged`, so
 * the run can count every command it sent.
 */
export function setMembership(state: CustomerState, request: MembershipRequest, at: string): Step {
  const { audienceId, audienceName, member, runId, audienceDeleted } = request;
  if (isMember(state, audienceId) === member) {
    const facts: CustomerFactDraft[] = runId
      ? [{ type: "membership.unchanged", data: { audienceId, runId, member } }]
      : [];
    return { state, facts, outcomes: [] };
  }
  const memberships: Membership[] = member
    ? [...state.memberships, { audienceId, since: at }].sort((a, b) => a.audienceId.localeCompare(b.audienceId))
    : state.memberships.filter((m) => m.audienceId !== audienceId);
  const change = member ? "ENTERED" : "EXITED";
  return {
    state: { ...state, memberships },
    facts: [
      {
        type: "membership.changed",
        data: {
          audienceId,
          ...(audienceName ? { audienceName } : {}),
          change,
          at,
          ...(runId ? { runId } : {}),
          ...(audienceDeleted ? { audienceDeleted } : {}),
        },
      },
    ],
    outcomes: [],
  };
}

/** What a `membership.rename` command tells the customer. */
export type RenameRequest = { audienceId: string; previousName: string; audienceName: string; runId: string };

/**
 * An audience was renamed: membership stays as it is, and `membership.renamed` says what it is, so
 * destinations move it from the old name to the new one, and the run counts the answer.
 */
export function renameMembership(state: CustomerState, request: RenameRequest): Step {
  const { audienceId, previousName, audienceName, runId } = request;
  const member = isMember(state, audienceId);
  return {
    state,
    facts: [{ type: "membership.renamed", data: { audienceId, previousName, audienceName, member, runId } }],
    outcomes: [],
  };
}

/** Evaluates one rule against the customer now and sets the membership to the answer. */
export function evaluateAudience(state: CustomerState, audience: AudienceRule, at: string, runId?: string): Step {
  const member = matchesRule(audience.rule, state, new Date(at));
  return setMembership(state, { audienceId: audience.id, audienceName: audience.name, member, runId }, at);
}

/**
 * An `audience.evaluate` command: its rule travels with it, checked again here because a command
 * is data from the stream. An invalid rule changes nothing and says why in its outcome.
 */
export function evaluateAudienceCommand(
  state: CustomerState,
  command: { audienceId: string; audienceName?: string; runId: string; rule: unknown },
  at: string,
): Step {
  const { audienceId, audienceName, runId } = command;
  const checked = validateRule(command.rule);
  if (!checked.ok) {
    const kept = setMembership(state, { audienceId, member: isMember(state, audienceId), runId }, at);
    return { ...kept, outcomes: [{ type: "invalidAudienceRule", audienceId, errors: checked.errors }] };
  }
  return evaluateAudience(state, { id: audienceId, name: audienceName, rule: checked.rule, paths: [] }, at, runId);
}

/**
 * Real time: after a step of an identified customer, re-evaluates the audiences whose rules read
 * what the step's facts changed. Anonymous customers enter and leave only through audience runs.
 */
export function reevaluateAudiences(step: Step, audiences: readonly AudienceRule[], at: string): Step {
  if (!step.state.identified || audiences.length === 0) return step;
  const areas = changedAreas(step.facts);
  if (areas.size === 0) return step;
  let current = step;
  for (const audience of audiences) {
    if (!reads(audience, areas)) continue;
    const next = evaluateAudience(current.state, audience, at);
    current = { state: next.state, facts: [...current.facts, ...next.facts], outcomes: current.outcomes };
  }
  return current;
}

/**
 * A wake (`customer.wake`): re-evaluates the audiences whose rules read event history, whose
 * time windows may have moved past the customer's events with no new data (see `nextDueAt`).
 */
export function reevaluateTimedAudiences(step: Step, audiences: readonly AudienceRule[], at: string): Step {
  if (!step.state.identified) return step;
  let current = step;
  for (const audience of audiences) {
    if (!readsEventHistory(audience)) continue;
    const next = evaluateAudience(current.state, audience, at);
    current = { state: next.state, facts: [...current.facts, ...next.facts], outcomes: current.outcomes };
  }
  return current;
}

/** Whether an audience's rule reads event history (`stats:<event>` areas), the only part time alone changes. */
export function readsEventHistory(audience: AudienceRule): boolean {
  return audience.paths.some((area) => area.startsWith("stats:"));
}

/** A deleted customer leaves every audience it was in, so destinations and member lists clean up. */
export function leaveAllAudiences(state: CustomerState, at: string): CustomerFactDraft[] {
  return state.memberships.map((m) => ({
    type: "membership.changed",
    data: { audienceId: m.audienceId, change: "EXITED", at },
  }));
}
