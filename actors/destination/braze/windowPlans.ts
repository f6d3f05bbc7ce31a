import type { BrazeSettings } from "../../../store/index.ts";
import { readTrustedFact } from "../../../streams/facts.ts";
import type { WindowMessage } from "../integrationConsumer.ts";
import { planTrackCalls } from "./batchCalls.ts";
import {
  type BrazeCall,
  type BrazeWindowContext,
  customersNeedingConsent,
  planWindow,
  type WindowFact,
} from "./planWindow.ts";
import { callsInOrder, carriedBy, serializeCall, serializePlan } from "./serializedPlan.ts";
import type { PlannerAnswer, PlannerQuestion, ReadReply } from "./windowPlanner.ts";

/**
 * A window's messages, and what was made of them while it is needed: its facts from reading until
 * planning, then the context of its latest plan. Facts and calls are not kept while the window's
 * calls are sent: they would outlive many young-generation collections, each copying them again
 * (the bulk of the GC a window cost), when they are needed only if Braze refuses something or a
 * call must be cut into parts; then they are made again from the messages, identically.
 */
type KnownWindow = {
  messages: readonly WindowMessage[];
  facts?: WindowFact[];
  context?: BrazeWindowContext;
  calls?: BrazeCall[];
  parts: Map<number, BrazeCall[]>;
};

/**
 * The windows a Braze integration has read and not yet forgotten, and what is asked of them:
 * decoding, planning, cutting a call into COMBINED parts. Runs on the planning thread
 * (planWorker.ts), or on the event loop where there is no core to spare (windowPlanner.ts).
 */
export function createWindowPlans(settings: BrazeSettings) {
  const windows = new Map<number, KnownWindow>();

  function decode(messages: readonly WindowMessage[], unreadable?: ReadReply["unreadable"]): WindowFact[] {
    const facts: WindowFact[] = [];
    for (const { seq, data } of messages) {
      try {
        facts.push({ seq, fact: readTrustedFact(data) });
      } catch (error) {
        unreadable?.push({ seq, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    return facts;
  }

  function read(request: Extract<PlannerQuestion, { kind: "read" }>): ReadReply {
    const unreadable: ReadReply["unreadable"] = [];
    const facts = decode(request.messages, unreadable);
    windows.set(request.fromSeq, { messages: request.messages, facts, parts: new Map() });
    const consentAfter: ReadReply["consentAfter"] = [];
    for (const { fact } of facts) {
      if (fact.type === "customer.profileChanged") {
        consentAfter.push([fact.metadata.customerId, fact.data.consent.dataSharing === "DENIED"]);
      }
    }
    return { needingConsent: customersNeedingConsent(facts), consentAfter, unreadable };
  }

  /** The calls of the window's latest plan, made again from its messages when they were let go. */
  function callsOf(window: KnownWindow, fromSeq: number): BrazeCall[] {
    if (window.calls) return window.calls;
    if (!window.context) throw new Error(`window ${fromSeq} was not planned`);
    window.calls = callsInOrder(planWindow(decode(window.messages), settings, window.context));
    return window.calls;
  }

  function callOf(window: KnownWindow, fromSeq: number, index: number): BrazeCall {
    const call = callsOf(window, fromSeq)[index];
    if (!call) throw new Error(`window ${fromSeq} has no call ${index}`);
    return call;
  }

  /** A track call cut into COMBINED-sized calls, the same way each time it is asked. */
  function partsOf(window: KnownWindow, fromSeq: number, index: number): BrazeCall[] {
    const cut = window.parts.get(index);
    if (cut) return cut;
    const call = callOf(window, fromSeq, index);
    if (call.kind !== "track") throw new Error(`call ${index} of window ${fromSeq} is no track call`);
    const parts = planTrackCalls(call.items, "COMBINED").map((items): BrazeCall => ({ kind: "track", items }));
    window.parts.set(index, parts);
    return parts;
  }

  function windowOf(fromSeq: number) {
    const window = windows.get(fromSeq);
    if (!window) throw new Error(`window ${fromSeq} was not read`);
    return window;
  }

  function answer(request: PlannerQuestion): PlannerAnswer {
    switch (request.kind) {
      case "read":
        return { read: read(request) };
      case "plan": {
        const window = windowOf(request.fromSeq);
        const plan = planWindow(window.facts ?? decode(window.messages), settings, request.context);
        window.facts = undefined;
        window.calls = undefined;
        window.context = request.context;
        window.parts.clear();
        return { plan: serializePlan(plan) };
      }
      case "split": {
        const parts = partsOf(windowOf(request.fromSeq), request.fromSeq, request.index);
        return { parts: parts.map(serializeCall) };
      }
      case "carried": {
        const window = windowOf(request.fromSeq);
        const call =
          request.part === undefined
            ? callOf(window, request.fromSeq, request.index)
            : partsOf(window, request.fromSeq, request.index)[request.part];
        if (!call) throw new Error(`call ${request.index} of window ${request.fromSeq} has no part ${request.part}`);
        return { carried: carriedBy(call) };
      }
      case "forget":
        windows.delete(request.fromSeq);
        return { forgotten: true };
    }
  }

  return { answer };
}
