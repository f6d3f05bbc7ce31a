/**
 * A minimal destination provider, written against the contract alone (provider.ts): what a new
 * provider's folder holds. It wants events and deletions (or the facts a test names), is gated by the `ads` purpose, sends one
 * call per customer and window carrying that customer's facts in order, and its "client" is a
 * receiver the test scripts. Everything else (windows, order, consent, limiter, retries, partial
 * failures, the sync log, status, leases) is the generic sync's.
 */
import { createLoopPlanner } from "../../../../actors/destination/loopPlanner.ts";
import type { DestinationProvider } from "../../../../actors/destination/provider.ts";
import { verdictOf } from "../../../../actors/destination/retryPolicy.ts";
import type { CustomerFactType } from "../../../../model/index.ts";

/** What an echo integration stores (besides `enabled`, which every integration has). */
export type EchoSettings = { enabled: boolean; channel: string };

/** One call: a customer's facts of one window, in stream order. */
export type EchoCall = { customers: [string]; facts: { factId: string; type: string; seq: number }[] };

/** The receiver's answer: a status, and the facts it refused in a partial failure; or no answer. */
export type EchoAnswer = { status: number; refused?: string[] } | { error: string };

export type EchoReceiver = { receive: (channel: string, token: string, call: EchoCall) => Promise<EchoAnswer> };

export function createEchoProvider(
  receiver: EchoReceiver,
  wants: readonly CustomerFactType[] = ["event.recorded", "customer.deleted"],
): DestinationProvider<EchoSettings, Record<string, never>, EchoCall, EchoAnswer> {
  const consentPurpose = "ads";
  return {
    kind: "echo",
    name: "Echo",
    consentPurpose,
    wants,
    limits: {
      callsPerWindow: 1_000,
      windowMs: 1_000,
      concurrency: 4,
      windowSize: 10,
      windowsHandled: 2,
      flushDelayMs: 50,
      callTimeoutMs: 5_000,
      backoff: { baseMs: 10, maxMs: 40 },
    },
    accountOf: (integration) => integration.settings.channel,
    connect: (integration, token) => ({
      context: () => ({}),
      planner: createLoopPlanner({
        consentPurpose,
        wants,
        map: (facts) => {
          const byCustomer = new Map<string, EchoCall>();
          for (const { seq, fact } of facts) {
            const { customerId, factId } = fact.metadata;
            const call = byCustomer.get(customerId) ?? { customers: [customerId], facts: [] };
            call.facts.push({ factId, type: fact.type, seq });
            byCustomer.set(customerId, call);
          }
          return [...byCustomer.values()];
        },
        carried: (call) =>
          call.facts.map(({ factId, type }) => ({
            customerId: call.customers[0],
            item: type,
            factId,
            part: 0,
            at: factId,
          })),
      }),
      send: (call) => receiver.receive(integration.settings.channel, token, call),
    }),
    // Answers as HTTP would give them: 5xx and no answer retried, 401/403 misconfigured, other 4xx refused.
    classify(answer, attempt, nowMs, backoff) {
      const status = "status" in answer ? answer.status : 0;
      const verdict = verdictOf(
        "status" in answer ? { status, headers: new Headers() } : answer,
        attempt,
        nowMs,
        backoff,
      );
      switch (verdict.kind) {
        case "delivered": {
          const refused = "status" in answer ? (answer.refused ?? []) : [];
          return {
            kind: "delivered",
            status,
            refused: refused.map((factId) => ({ at: factId, message: "refused by echo" })),
          };
        }
        case "refused":
          return { kind: "refused", status, message: verdict.reason };
        default:
          return verdict;
      }
    },
  };
}
