import { setTimeout as sleep } from "node:timers/promises";
import type { GraphQL } from "./gateway.ts";

/** What a client does when the gateway cannot take its events now: tries again with the same ids. */
const RETRY_MS = 500;
const TICK_MS = 100;
/** How long stopping waits for the calls in flight to be acknowledged. */
const STOP_TIMEOUT_MS = 300_000;

const TRACK_EVENTS = "mutation($e:[EventInput!]!){ trackEvents(events:$e){ accepted } }";

export type LoadOptions = {
  gql: GraphQL;
  /** Names the scenario's customers and events, so that each scenario checks only its own. */
  prefix: string;
  customers: number;
  /** Events offered per second. */
  rate: number;
};

/** A customer's id and the event numbered `n` of the load named `prefix`. */
export const customerOf = (prefix: string, customers: number, n: number) => `${prefix}-c-${n % customers}`;

export type Load = {
  /** Events acknowledged so far, by number. */
  acked: () => ReadonlySet<number>;
  /** The gateway's refusals so far, by error code (each answered by trying again). */
  refusals: () => ReadonlyMap<string, number>;
  /** Stops offering and resolves once every event offered is acknowledged: the events, by number. */
  stop: () => Promise<ReadonlySet<number>>;
};

/**
 * Offers `trackEvents` calls at a steady rate, like an app whose users keep using it: event `n`
 * belongs to customer `n mod customers`, with the id `<prefix>-e-<n>` and the property `n`. A
 * call the gateway refuses or does not answer is sent again, same ids, until acknowledged — as a
 * client should — so every offered event must end applied exactly once.
 */
export function startLoad(options: LoadOptions): Load {
  const { gql, prefix, customers } = options;
  const perTick = Math.max(1, Math.round((options.rate * TICK_MS) / 1_000));
  const acked = new Set<number>();
  const refusals = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let offering = true;
  let offered = 0;

  const send = async (from: number, to: number) => {
    const events = [];
    for (let n = from; n < to; n++) {
      events.push({
        id: `${prefix}-e-${n}`,
        customerId: customerOf(prefix, customers, n),
        name: "load",
        properties: { n },
      });
    }
    for (;;) {
      const answer = await gql<{ trackEvents: { accepted: number } }>(TRACK_EVENTS, { e: events });
      if ("data" in answer && answer.data.trackEvents.accepted === events.length) break;
      const code = "code" in answer ? answer.code : "PARTLY_ACCEPTED";
      refusals.set(code, (refusals.get(code) ?? 0) + 1);
      await sleep(RETRY_MS);
    }
    for (let n = from; n < to; n++) acked.add(n);
  };

  const offer = (async () => {
    const started = Date.now();
    while (offering) {
      const due = Math.floor(((Date.now() - started) / TICK_MS) * perTick);
      while (offered < due) {
        const from = offered;
        offered = Math.min(due, from + perTick);
        const call = send(from, offered).finally(() => inFlight.delete(call));
        inFlight.add(call);
      }
      await sleep(TICK_MS);
    }
  })();

  return {
    acked: () => acked,
    refusals: () => refusals,
    async stop() {
      offering = false;
      await offer;
      const all = Promise.all(inFlight);
      const timedOut = sleep(STOP_TIMEOUT_MS, undefined, { ref: false }).then(() => "timedOut" as const);
      if ((await Promise.race([all, timedOut])) === "timedOut") {
        throw new Error(`${inFlight.size} trackEvents calls still unacknowledged after ${STOP_TIMEOUT_MS / 1_000} s`);
      }
      return acked;
    },
  };
}
