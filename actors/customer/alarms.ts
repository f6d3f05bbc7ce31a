import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import type { CustomerDocument } from "../../store/index.ts";
import type { AlarmPublisher } from "../../streams/index.ts";

/**
 * Arms each written customer's alarm for its `nextDueAt` (docs/journeys.md, "Durable timers"):
 * only once the document holding the deadline is in the store, so an alarm never wakes a
 * customer for a state that could still be lost, and only when the deadline differs from the one
 * last armed. A failure is logged and left to the sweep of overdue customers, which wakes them.
 */
export function alarmArmer(options: { partition: number; alarms: AlarmPublisher; remembered: number; log: Logger }) {
  const armed = new LRUCache<string, string>({ max: options.remembered });
  return (documents: readonly CustomerDocument[]) => {
    for (const document of documents) {
      const nextDueAt = document.deleted ? undefined : document.nextDueAt;
      if (nextDueAt === undefined || armed.get(document._id) === nextDueAt) continue;
      const { account, customerId } = document;
      options.alarms.arm({ account, customerId, dueAt: nextDueAt }, options.partition).then(
        () => armed.set(document._id, nextDueAt),
        (error: unknown) =>
          options.log.warn(
            { err: error, account, customer: customerId, dueAt: nextDueAt },
            "alarm not armed; the sweep wakes the customer",
          ),
      );
    }
  };
}
