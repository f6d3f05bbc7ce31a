import { createCallSlots } from "./callSlots.ts";

/**
 * Calls to a provider, at most `concurrency` in flight, each about some customers: a call starts
 * once every earlier call about one of its customers has ended, so a customer's calls keep their
 * order (entered, then left an audience) while other customers' calls go ahead, across windows.
 */
export type OrderedCalls = {
  /**
   * Runs `send` in its turn. Rejects, without sending, when an earlier call about one of its
   * customers failed (nothing of theirs may overtake it) or when `signal` aborts while it waits.
   */
  run: (customers: readonly string[], signal: AbortSignal, send: () => Promise<void>) => Promise<void>;
};

export function createOrderedCalls(concurrency: number): OrderedCalls {
  const slots = createCallSlots(concurrency);
  /** Each customer's last call not yet ended. */
  const lastCallOf = new Map<string, Promise<void>>();
  return {
    run(customers, signal, send) {
      const before = customers.flatMap((customer) => lastCallOf.get(customer) ?? []);
      const call = (async () => {
        await Promise.all(before);
        await slots.take(signal);
        try {
          await send();
        } finally {
          slots.give();
        }
      })();
      for (const customer of customers) lastCallOf.set(customer, call);
      const ended = () => {
        for (const customer of customers) if (lastCallOf.get(customer) === call) lastCallOf.delete(customer);
      };
      call.then(ended, ended);
      return call;
    },
  };
}
