import type { EchoAnswer, EchoCall, EchoReceiver } from "./echoProvider.ts";

/**
 * The echo provider's other end, scripted by the test: it accepts one token (401 otherwise),
 * answers 503 while `failing` and to the next calls of a customer in `failFor` (that many), refuses
 * the facts in `refuse` (a partial failure), and holds the next call of a customer in `slowFor`
 * that many ms. It remembers the calls as they arrived, and as it answered them.
 */
export type ScriptedReceiver = EchoReceiver & {
  token: string;
  failing: boolean;
  failFor: Map<string, number>;
  refuse: Set<string>;
  slowFor: Map<string, number>;
  arrivals: EchoCall[];
  answered: { call: EchoCall; answer: EchoAnswer }[];
};

export function createScriptedReceiver(token: string): ScriptedReceiver {
  const receiver: ScriptedReceiver = {
    token,
    failing: false,
    failFor: new Map(),
    refuse: new Set(),
    slowFor: new Map(),
    arrivals: [],
    answered: [],
    async receive(_channel, given, call) {
      receiver.arrivals.push(call);
      const slow = receiver.slowFor.get(call.customers[0]);
      if (slow !== undefined) {
        receiver.slowFor.delete(call.customers[0]);
        await new Promise((resolve) => setTimeout(resolve, slow));
      }
      const failures = receiver.failFor.get(call.customers[0]) ?? 0;
      if (failures > 0) receiver.failFor.set(call.customers[0], failures - 1);
      const refused = call.facts.map((fact) => fact.factId).filter((id) => receiver.refuse.has(id));
      const answer: EchoAnswer =
        given !== receiver.token
          ? { status: 401 }
          : receiver.failing || failures > 0
            ? { status: 503 }
            : { status: 200, refused };
      receiver.answered.push({ call, answer });
      return answer;
    },
  };
  return receiver;
}
