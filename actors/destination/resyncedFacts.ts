import { type CustomerFact, type FactOf, PROFILE_PARTS } from "../../model/index.ts";
import { encodeFact, readTrustedFact } from "../../streams/index.ts";
import type { WindowMessage } from "./integrationConsumer.ts";

/** The account's audiences as they are now, id → name: a resync names each membership after them. */
export type AudienceNames = ReadonlyMap<string, string>;

/**
 * What a customer's resync stands for, as the facts every provider already maps: its profile
 * changed in every part, its tags, an entry into each audience it is in and an exit from each
 * other audience of the account (what the provider kept of them may be stale); or its deletion.
 * Each gets the resync's id with its place appended, so the sync log tells them apart.
 */
export function factsOfResync(fact: FactOf<"customer.resynced">, names: AudienceNames): CustomerFact[] {
  const { current } = fact.data;
  const { metadata } = fact;
  const numbered = (draft: Omit<CustomerFact, "metadata">, index: number): CustomerFact =>
    ({ ...draft, metadata: { ...metadata, factId: `${metadata.factId}/${index}` } }) as CustomerFact;
  if (current.status === "deleted") return [numbered({ type: "customer.deleted", data: {} }, 0)];

  const { profile, attributes, consent, identified, tags, memberships } = current;
  const member = new Set(memberships);
  const drafts: Omit<CustomerFact, "metadata">[] = [
    {
      type: "customer.profileChanged",
      data: { profile, attributes, consent, identified, created: false, changed: [...PROFILE_PARTS] },
    },
    { type: "tags.changed", data: { tags } },
  ];
  for (const audienceId of new Set([...memberships, ...names.keys()])) {
    const audienceName = names.get(audienceId);
    drafts.push({
      type: "membership.changed",
      data: {
        audienceId,
        ...(audienceName ? { audienceName } : {}),
        change: member.has(audienceId) ? "ENTERED" : "EXITED",
        at: metadata.at,
      },
    });
  }
  return drafts.map(numbered);
}

/** How a resync's payload starts to be looked for: only a payload holding it is decoded here. */
const RESYNC_MARK = Buffer.from('"type":"customer.resynced"');

/**
 * A window as the integration's provider reads it: each resync for `integrationId` replaced by
 * the facts it stands for, under the same stream sequence. Resyncs for other integrations are
 * left as they are: no provider wants them. `audienceNames` is asked once, and only for a window
 * holding such a resync.
 */
export async function expandResyncs(
  window: readonly WindowMessage[],
  integrationId: string,
  audienceNames: () => Promise<AudienceNames>,
): Promise<WindowMessage[]> {
  let names: AudienceNames | undefined;
  const expanded: WindowMessage[] = [];
  for (const message of window) {
    const fact = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength).includes(
      RESYNC_MARK,
    )
      ? resyncIn(message.data)
      : undefined;
    if (fact?.data.integrationId !== integrationId) {
      expanded.push(message);
      continue;
    }
    names ??= await audienceNames();
    for (const part of factsOfResync(fact, names)) expanded.push({ seq: message.seq, data: encodeFact(part) });
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
