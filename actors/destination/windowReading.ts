import { type ConsentPurpose, type CustomerFact, messageOf } from "../../model/index.ts";
import { readTrustedFact } from "../../streams/index.ts";
import { consentLeftBy, customersNeedingConsent } from "./consentGate.ts";
import type { ExpandedMessage } from "./resyncedFacts.ts";

/**
 * One fact of a window, with its CHANGES sequence, its payload (the JSON CHANGES holds, or a
 * resync's expansion encoded, which a provider may pass on as it is instead of encoding it again),
 * and the resync's id when a resync stands for it.
 */
export type WindowFact = { seq: number; fact: CustomerFact; payload: Uint8Array; resyncId?: string };

/**
 * What reading a window tells the sync, which alone asks the store about consent (wherever the
 * window is read: on the event loop, or on a provider's planning thread).
 */
export type WindowReading = {
  /** The customers whose consent at the window's start the plan depends on (`customersNeedingConsent`). */
  needingConsent: string[];
  /** Each profile change's verdict (DENIED: true), in order: the consent the window leaves. */
  consentAfter: [customerId: string, denied: boolean][];
  /** Facts that are not CHANGES facts; skipped. */
  unreadable: { seq: number; reason: string }[];
};

/**
 * Decodes a window's facts, checking only their envelope (`readTrustedFact`: CHANGES is written
 * by Masivo alone, from validated commands), and reads what consent for `purpose` it needs and leaves.
 */
export function readWindow(
  messages: readonly ExpandedMessage[],
  purpose: ConsentPurpose,
): { facts: WindowFact[]; reading: WindowReading } {
  const facts: WindowFact[] = [];
  const unreadable: WindowReading["unreadable"] = [];
  for (const { seq, data, resyncId } of messages) {
    try {
      const fact = readTrustedFact(data);
      facts.push(resyncId === undefined ? { seq, fact, payload: data } : { seq, fact, payload: data, resyncId });
    } catch (error) {
      unreadable.push({ seq, reason: messageOf(error) });
    }
  }
  return {
    facts,
    reading: {
      needingConsent: customersNeedingConsent(facts),
      consentAfter: consentLeftBy(facts, purpose),
      unreadable,
    },
  };
}
