import type { EchoAnswer, EchoCall, EchoReceiver } from "./echoProvider.ts";

/**
 * The echo provider's other end, scripted by the test: it accepts one token (401 otherwise),
 * answers 503 while `failing`, refuses the facts in `refuse` (a partial failure), and holds the
 * next call of a customer in `slowFor` that many ms. It remembers the calls as they arrived, and
 * as it answered them.
 */
export type ScriptedReceiver = EchoReceiver & {
  token: string;
  failing: boolean;
  refuse: Set<string>;
  slowFor: Map<string, number>;
  arrivals: EchoCall[];
  answered: { call: EchoCall; answer: EchoAnswer }[];
};

export function createScriptedReceiver(token: string): ScriptedReceiver {
  const receiver: ScriptedReceiver = {
    token,
    failing: false,
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
      const refused = call.facts.map((fact) => fact.factId).filter((id) => receiver.refuse.has(id));
      const answer: EchoAnswer =
        given !== receiver.token ? { status: 401 } : receiver.failing ? { status: 503 } : { status: 200, refused };
      receiver.answered.push({ call, answer });
      return answer;
    },
  };
  return receiver;
}
