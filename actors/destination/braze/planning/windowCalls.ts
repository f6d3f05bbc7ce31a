import type { ConsentPurpose, CustomerFactType } from "../../../../model/index.ts";
import type { BrazeSettings } from "../../../../store/index.ts";
import { createConsentGate } from "../../consentGate.ts";
import type { WindowFact } from "../../windowReading.ts";
import { planDeleteCalls, planTrackCalls } from "../batchCalls.ts";
import type { BrazeDeletion, BrazeItem } from "../brazeObjects.ts";
import { mapFact } from "../mapFact.ts";

/** Braze gets nothing of a customer who denied sharing their data (deletions aside). */
export const BRAZE_CONSENT_PURPOSE: ConsentPurpose = "dataSharing";

/** The facts `mapFact` maps; a window's other facts are dropped as it is read. */
export const BRAZE_FACTS: readonly CustomerFactType[] = [
  "customer.profileChanged",
  "customer.deleted",
  "event.recorded",
  "purchase.recorded",
  "membership.changed",
  "membership.renamed",
  "tags.changed",
];

/**
 * What a window's plan was decided with, besides its facts and settings; recorded with the window
 * so a crashed window is planned again identically.
 */
export type BrazeWindowContext = {
  /** The batch limit in force when the window started. */
  mode: BrazeSettings["batchLimit"];
  /**
   * Customers of the window whose data-sharing consent was DENIED when it started. Only those of
   * `customersNeedingConsent` matter; any other is ignored.
   */
  denied: string[];
};

export type BrazeCall = { kind: "track"; items: BrazeItem[] } | { kind: "delete"; deletions: BrazeDeletion[] };

/** A window's calls, in stages run one after another; calls within a stage may run together. */
export type BrazePlan = { stages: BrazeCall[][]; skipped: number };

/**
 * Decides a window's calls, deterministically. Nothing of a customer whose data-sharing consent is
 * DENIED is sent (a consent change inside the window applies from that fact on); deletions are
 * sent. A customer deleted in the window gets nothing pending after its deletion: the items of its
 * facts before the deletion are dropped (they would only recreate the user Braze then deletes).
 * Stage 1 sends everyone else's items, stage 2 the deletions, stage 3 what came after a deletion
 * (a customer created again).
 */
export function planWindow(
  facts: readonly WindowFact[],
  settings: BrazeSettings,
  context: BrazeWindowContext,
): BrazePlan {
  const consent = createConsentGate(context.denied, BRAZE_CONSENT_PURPOSE);
  const deletedAt = new Map<string, number>();
  const names = new Map<string, string>();
  /** Items before their customer's deletion in the window, if any; an item's origin says its sequence. */
  const pending: BrazeItem[] = [];
  const after: BrazeItem[] = [];
  const deletions: BrazeDeletion[] = [];
  let skipped = 0;

  for (const { seq, fact } of facts) {
    const { customerId } = fact.metadata;
    const denied = consent.denied(fact);
    if (fact.type === "membership.changed" && fact.data.audienceName) {
      names.set(fact.data.audienceId, fact.data.audienceName);
    }
    const mapped = mapFact(fact, seq, { settings, audienceName: (id) => names.get(id) });
    deletions.push(...mapped.deletions);
    if (mapped.deletions.length > 0 && !deletedAt.has(customerId)) deletedAt.set(customerId, seq);
    if (denied) {
      skipped += mapped.track.length;
      continue;
    }
    const deletion = deletedAt.get(customerId);
    for (const item of mapped.track) {
      if (deletion !== undefined && seq > deletion) after.push(item);
      else pending.push(item);
    }
  }
  const before =
    deletedAt.size === 0
      ? pending
      : pending.filter((item) => {
          const deletion = deletedAt.get(item.customerId);
          return deletion === undefined || item.origin.seq > deletion;
        });
  skipped += pending.length - before.length;

  const track = (items: BrazeItem[]): BrazeCall[] =>
    planTrackCalls(items, context.mode).map((call) => ({ kind: "track", items: call }));
  const stages = [
    track(before),
    planDeleteCalls(deletions).map((call): BrazeCall => ({ kind: "delete", deletions: call })),
    track(after),
  ].filter((stage) => stage.length > 0);
  return { stages, skipped };
}
