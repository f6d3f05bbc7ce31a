import type { ConsentPurpose, CustomerFactType } from "../../model/index.ts";
import { createConsentGate } from "./consentGate.ts";
import type { CallItem, PlannedCall, WindowContext, WindowPlanner } from "./provider.ts";
import { readWindow, type WindowFact } from "./windowReading.ts";

export type LoopPlannerOptions<Own, Call extends PlannedCall> = {
  consentPurpose: ConsentPurpose;
  wants: readonly CustomerFactType[];
  /**
   * The provider's mapping, pure: a window's facts (only those it wants, without those of
   * customers who denied its consent purpose, deletions aside), in stream order, to calls.
   */
  map: (facts: readonly WindowFact[], context: WindowContext<Own>) => Call[];
  /** What a call carries, for the sync log. */
  carried: (call: Call) => CallItem[];
};

/**
 * A planner on the event loop for providers whose mapping costs little next to their calls
 * (webhooks, S3): reads each window, applies consent and what the provider wants, then maps.
 * Its calls are never cut into parts (it has no `split`).
 * Providers with heavy mapping plan on a thread of their own instead (braze/planning/).
 */
export function createLoopPlanner<Own, Call extends PlannedCall>(
  options: LoopPlannerOptions<Own, Call>,
): WindowPlanner<Own, Call> {
  const wanted = new Set<CustomerFactType>(options.wants);
  /** Each window read and not yet forgotten: its facts, and the calls of its latest plan. */
  const windows = new Map<number, { facts: WindowFact[]; calls: Call[] }>();

  const callOf = (fromSeq: number, index: number): Call => {
    const call = windows.get(fromSeq)?.calls[index];
    if (!call) throw new Error(`window ${fromSeq} has no call ${index}`);
    return call;
  };

  return {
    async read(messages) {
      const { facts, reading } = readWindow(messages, options.consentPurpose);
      windows.set(messages[0]?.seq ?? 0, { facts, calls: [] });
      return reading;
    },
    async plan(fromSeq, context) {
      const window = windows.get(fromSeq);
      if (!window) throw new Error(`window ${fromSeq} was not read`);
      const consent = createConsentGate(context.denied, options.consentPurpose);
      // Every fact goes through the gate, wanted or not: a profile change carries consent.
      const sendable = window.facts.filter(({ fact }) => {
        const denied = consent.denied(fact);
        return wanted.has(fact.type) && (!denied || fact.type === "customer.deleted");
      });
      window.calls = options.map(sendable, context);
      return window.calls;
    },
    async carried(fromSeq, index) {
      return options.carried(callOf(fromSeq, index));
    },
    forget(fromSeq) {
      windows.delete(fromSeq);
    },
    async close() {
      windows.clear();
    },
  };
}
