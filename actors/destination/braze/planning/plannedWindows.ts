import type { BrazeSettings } from "../../../../store/index.ts";
import type { WindowMessage } from "../../integrationConsumer.ts";
import { readWindow, type WindowFact, type WindowReading } from "../../windowReading.ts";
import { planTrackCalls } from "../batchCalls.ts";
import {
  type Carried,
  callsInOrder,
  carriedBy,
  type SerializedCall,
  type SerializedPlan,
  serializeCall,
  serializePlan,
} from "./callBodies.ts";
import type { BrazeWindowContext } from "./windowCalls.ts";
import { BRAZE_CONSENT_PURPOSE, BRAZE_FACTS, type BrazeCall, planWindow } from "./windowCalls.ts";

/** What is asked about the window starting at `fromSeq`. */
export type PlannerQuestion =
  | { kind: "read"; fromSeq: number; messages: WindowMessage[] }
  | { kind: "plan"; fromSeq: number; context: BrazeWindowContext }
  | { kind: "split"; fromSeq: number; index: number }
  | { kind: "carried"; fromSeq: number; index: number; part?: number }
  | { kind: "forget"; fromSeq: number };

export type PlannerAnswer =
  | { read: WindowReading }
  | { plan: SerializedPlan }
  | { parts: SerializedCall[] }
  | { carried: Carried }
  | { forgotten: true };

// Profile changes are among them: they carry the consent the plan applies.
const WANTED = new Set(BRAZE_FACTS);

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
 * (planningThread.ts), or on the event loop where there is no core to spare (brazePlanner.ts).
 */
export function createWindowPlans(settings: BrazeSettings) {
  const windows = new Map<number, KnownWindow>();

  /** The facts of a window Braze wants: the others are dropped as the window is read. */
  function wantedFacts(messages: readonly WindowMessage[]): { facts: WindowFact[]; reading: WindowReading } {
    const { facts, reading } = readWindow(messages, BRAZE_CONSENT_PURPOSE);
    return { facts: facts.filter(({ fact }) => WANTED.has(fact.type)), reading };
  }

  function read(request: Extract<PlannerQuestion, { kind: "read" }>): WindowReading {
    const { facts, reading } = wantedFacts(request.messages);
    windows.set(request.fromSeq, { messages: request.messages, facts, parts: new Map() });
    return reading;
  }

  /** The calls of the window's latest plan, made again from its messages when they were let go. */
  function callsOf(window: KnownWindow, fromSeq: number): BrazeCall[] {
    if (window.calls) return window.calls;
    if (!window.context) throw new Error(`window ${fromSeq} was not planned`);
    window.calls = callsInOrder(planWindow(wantedFacts(window.messages).facts, settings, window.context));
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
        const plan = planWindow(window.facts ?? wantedFacts(window.messages).facts, settings, request.context);
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
