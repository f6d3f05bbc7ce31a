import { type CustomerFact, type FactOf, PROFILE_PARTS } from "../../model/index.ts";
import { encodeFact, factSubjectKind, readTrustedFact } from "../../streams/index.ts";
import type { DeliveredMessage, WindowMessage } from "./integrationConsumer.ts";

/**
 * A window's message once its resyncs are expanded: a fact a resync stands for carries that
 * resync's id, so a provider may keep the state as of the resync apart from what came incrementally.
 */
export type ExpandedMessage = WindowMessage & { resyncId?: string };

/** The account's audiences as they are now, id → name: a resync names each membership after them. */
export type AudienceNames = ReadonlyMap<string, string>;

/**
 * What a part of a customer's resync stands for, as the facts every provider already maps: its
 * profile changed in every part; its tags; an entry into each audience it is in and an exit from
 * each other audience of the account (what the provider kept of them may be stale); or its
 * deletion. Each gets the part's fact id with its place appended, so the sync log tells them apart.
 */
export function factsOfResync(fact: FactOf<"customer.resynced">, names: AudienceNames): CustomerFact[] {
  const { current } = fact.data;
  const { metadata } = fact;
  const numbered = (draft: Omit<CustomerFact, "metadata">, index: number): CustomerFact =>
    ({ ...draft, metadata: { ...metadata, factId: `${metadata.factId}/${index}` } }) as CustomerFact;
  switch (current.part) {
    case "deleted":
      return [numbered({ type: "customer.deleted", data: {} }, 0)];
    case "tags":
      return [numbered({ type: "tags.changed", data: { tags: current.tags } }, 0)];
    case "profile": {
      const { profile, attributes, consent, identified } = current;
      const changed = [...PROFILE_PARTS];
      const data = { profile, attributes, consent, identified, created: false, changed };
      return [numbered({ type: "customer.profileChanged", data }, 0)];
    }
    case "memberships": {
      const member = new Set(current.audienceIds);
      return [...new Set([...current.audienceIds, ...names.keys()])].map((audienceId, index) => {
        const audienceName = names.get(audienceId);
        const change = member.has(audienceId) ? ("ENTERED" as const) : ("EXITED" as const);
        const data = { audienceId, ...(audienceName ? { audienceName } : {}), change, at: metadata.at };
        return numbered({ type: "membership.changed", data }, index);
      });
    }
  }
}

/** The end of a resync's CHANGES subject (`chg.<account>.resync`): only such a message is decoded here. */
const RESYNC_SUBJECT_END = `.${factSubjectKind("customer.resynced")}`;

/**
 * A window as the integration's provider reads it: each resync for `integrationId` replaced by
 * the facts it stands for, under the same stream sequence and with the resync's id. Resyncs for other integrations are
 * left as they are: no provider wants them. `audienceNames` is asked once, and only for a window
 * holding such a resync.
 */
export async function expandResyncs(
  window: readonly DeliveredMessage[],
  integrationId: string,
  audienceNames: () => Promise<AudienceNames>,
): Promise<ExpandedMessage[]> {
  let names: AudienceNames | undefined;
  const expanded: ExpandedMessage[] = [];
  for (const message of window) {
    const fact = message.subject.endsWith(RESYNC_SUBJECT_END) ? resyncIn(message.data) : undefined;
    if (fact?.data.integrationId !== integrationId) {
      expanded.push(message);
      continue;
    }
    names ??= await audienceNames();
    const { resyncId } = fact.data;
    for (const part of factsOfResync(fact, names))
      expanded.push({ seq: message.seq, data: encodeFact(part), resyncId });
  }
  return expanded;
}

/** The resync a payload holds; undefined for any other fact, or what is no fact (the provider's reading reports it). */
function resyncIn(data: Uint8Array): FactOf<"customer.resynced"> | undefined {
  try {
    const fact = readTrustedFact(data);
    return fact.type === "customer.resynced" ? fact : undefined;
  } catch {
    return undefined;
  }
}
