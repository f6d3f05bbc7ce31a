import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import type { CustomerDocument } from "../../store/index.ts";
import type { AlarmPublisher } from "../../streams/index.ts";

/**
 * Arms each changed customer's alarm for its `nextDueAt` (docs/journeys.md, "Durable timers"),
 * once the batch that decided it has published its facts — not once the document is written: the
 * state is durable then already, since the batch's commands are in INGEST and a replay from the
 * partition's checkpoint decides it again (and arms again), while the store may write well behind
 * the decisions, and a deadline armed after it passed fires late. An alarm for a state a replay
 * changes is harmless: a wake finding nothing due does nothing, and the replay arms the right one.
 * Arms only when the deadline differs from the one last armed. A failure is logged and left to
 * the sweep of overdue customers, which wakes them.
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
