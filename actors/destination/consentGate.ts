import type { ConsentPurpose, CustomerFact } from "../../model/index.ts";

/**
 * Consent, as every destination applies it: a provider names one purpose (`ConsentPurpose`), and
 * nothing of a customer who DENIED it is sent, from the fact that denied it on, except their
 * deletion (removing their data is not sharing it). A window's plan depends on the consent of some
 * customers at the window's start (`customersNeedingConsent`), which the sync looks up and records
 * with the window, so that a window planned again after a crash is planned identically; inside
 * the window, each profile change carries the customer's whole consent and applies from there.
 */
export type ConsentGate = {
  /** Whether the fact's customer has denied the purpose, as of this fact (a profile change counts itself). */
  denied: (fact: CustomerFact) => boolean;
};

/** Walks a window's facts in order, from the customers who had denied the purpose at its start. */
export function createConsentGate(deniedAtStart: readonly string[], purpose: ConsentPurpose): ConsentGate {
  const denied = new Set(deniedAtStart);
  return {
    denied(fact) {
      const { customerId } = fact.metadata;
      if (fact.type === "customer.profileChanged") {
        if (fact.data.consent[purpose] === "DENIED") denied.add(customerId);
        else denied.delete(customerId);
      }
      return denied.has(customerId);
    },
  };
}

/**
 * The customers of a window whose consent at its start the plan depends on, in order of first
 * appearance: those whose first fact in the window is not a `customer.profileChanged`. Such a fact
 * carries the customer's whole consent, and the gate takes it before deciding anything of that
 * customer, so for the others the consent at the start is never read (and need not be looked up).
 */
export function customersNeedingConsent(facts: readonly { fact: CustomerFact }[]): string[] {
  const seen = new Set<string>();
  const needing: string[] = [];
  for (const { fact } of facts) {
    const { customerId } = fact.metadata;
    if (seen.has(customerId)) continue;
    seen.add(customerId);
    if (fact.type !== "customer.profileChanged") needing.push(customerId);
  }
  return needing;
}

/** Each profile change's verdict on the purpose (DENIED: true), in order: the consent the window leaves. */
export function consentLeftBy(
  facts: readonly { fact: CustomerFact }[],
  purpose: ConsentPurpose,
): [customerId: string, denied: boolean][] {
  const after: [string, boolean][] = [];
  for (const { fact } of facts) {
    if (fact.type === "customer.profileChanged") {
      after.push([fact.metadata.customerId, fact.data.consent[purpose] === "DENIED"]);
    }
  }
  return after;
}
