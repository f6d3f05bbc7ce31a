import type { CustomerState } from "../../model/index.ts";
import { nextRuleChange } from "../../rules/index.ts";
import { earliestDeadline } from "../journey/index.ts";
import { type AudienceRule, readsEventHistory } from "./memberships.ts";

/**
 * The earliest instant the customer must be woken at (docs/journeys.md, "Durable timers"): a
 * journey's wait or delay ending, or a time-window audience's answer changing with no new event
 * ("FULFILL within 30 days" ends 30 days after the last purchase). Anonymous customers are not
 * evaluated in real time, so only their journeys count.
 */
export function nextDueAt(state: CustomerState, audiences: readonly AudienceRule[], now: string): string | undefined {
  let earliest = earliestDeadline(state.journeys ?? []);
  if (state.identified) {
    for (const audience of audiences) {
      if (!readsEventHistory(audience)) continue;
      const change = nextRuleChange(audience.rule, state, new Date(now))?.toISOString();
      if (change !== undefined && (earliest === undefined || change < earliest)) earliest = change;
    }
  }
  return earliest;
}

/** The state with its `nextDueAt` as it now is. */
export function withNextDueAt(state: CustomerState, audiences: readonly AudienceRule[], now: string): CustomerState {
  const { nextDueAt: _, ...rest } = state;
  const due = nextDueAt(state, audiences, now);
  return due === undefined ? rest : { ...rest, nextDueAt: due };
}
