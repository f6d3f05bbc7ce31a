import type { CustomerFactDraft, CustomerState, PushTopicSubscription } from "../../model/index.ts";
import type { Step } from "./state.ts";

/**
 * The tokens that belong in each push-topic audience's topic: every device token of a customer
 * with push consent GRANTED, for each audience it is in whose `pushTopic` is on. Sorted by
 * audience id, tokens sorted, empty topics left out.
 */
export function wantedPushTopics(
  state: CustomerState,
  pushTopicAudiences: ReadonlySet<string>,
): PushTopicSubscription[] {
  if (state.consent.push !== "GRANTED" || state.devices.length === 0) return [];
  const tokens = state.devices.map((device) => device.token).sort();
  return state.memberships
    .filter((membership) => pushTopicAudiences.has(membership.audienceId))
    .map((membership) => ({ audienceId: membership.audienceId, tokens: [...tokens] }));
}

/**
 * After a change: compares the topics the customer's tokens belong in with those it put them in
 * before, keeps the new ones in its state and says the difference, one `pushTopic.changed` fact
 * per audience whose topic changes. An audience whose `pushTopic` went off, or which is gone,
 * has its tokens taken out, since only what is wanted now is kept.
 */
export function decidePushTopics(step: Step, pushTopicAudiences: ReadonlySet<string>): Step {
  const before = step.state.pushTopics ?? [];
  const wanted = wantedPushTopics(step.state, pushTopicAudiences);
  const facts = topicChanges(before, wanted);
  if (facts.length === 0) return step;
  const { pushTopics, ...rest } = step.state;
  const state: CustomerState = wanted.length > 0 ? { ...rest, pushTopics: wanted } : rest;
  return { ...step, state, facts: [...step.facts, ...facts] };
}

/** A deleted customer's tokens leave every topic they were put in. */
export function leaveAllPushTopics(state: CustomerState): CustomerFactDraft[] {
  return topicChanges(state.pushTopics ?? [], []);
}

function topicChanges(before: readonly PushTopicSubscription[], after: readonly PushTopicSubscription[]) {
  const audienceIds = [...new Set([...before, ...after].map((topic) => topic.audienceId))].sort();
  const facts: CustomerFactDraft[] = [];
  for (const audienceId of audienceIds) {
    const had = new Set(before.find((topic) => topic.audienceId === audienceId)?.tokens);
    const has = new Set(after.find((topic) => topic.audienceId === audienceId)?.tokens);
    const subscribe = [...has].filter((token) => !had.has(token));
    const unsubscribe = [...had].filter((token) => !has.has(token));
    if (subscribe.length === 0 && unsubscribe.length === 0) continue;
    facts.push({ type: "pushTopic.changed", data: { audienceId, subscribe, unsubscribe } });
  }
  return facts;
}
