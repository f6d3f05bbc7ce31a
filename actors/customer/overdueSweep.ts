import type { Logger } from "pino";
import type { OverdueCustomer } from "../../store/index.ts";
import { type CommandPublisher, partitionOf } from "../../streams/index.ts";
import { wakeCommandId } from "./alarmRelay.ts";

export type OverdueSweepOptions = {
  overdue: (before: string, limit: number) => Promise<OverdueCustomer[]>;
  commands: CommandPublisher;
  partitions: number;
  /** Whether this worker holds a partition: each worker wakes the customers of its own. */
  holds: (partition: number) => boolean;
  everyMs: number;
  /** How late a deadline must be before the sweep wakes its customer (the alarm's own delay is not). */
  graceMs: number;
  now: () => Date;
  log: Logger;
};

/** Most customers woken by one look. */
const PAGE = 1_000;

/**
 * The safety net of durable timers (docs/journeys.md, "Durable timers"): every `everyMs`, wakes
 * the customers of this worker's partitions whose `nextDueAt` passed more than `graceMs` ago —
 * their alarm was lost (NATS lost its schedules, arming failed). The wake has the alarm's id, so
 * one that did fire meanwhile is stored once; a wake that finds nothing due changes nothing.
 */
export function startOverdueSweep(options: OverdueSweepOptions): { stop: () => Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> = Promise.resolve();

  const sweep = async (): Promise<number> => {
    const before = new Date(options.now().getTime() - options.graceMs).toISOString();
    const found = await options.overdue(before, PAGE);
    const mine = found.filter(({ account, customerId }) =>
      options.holds(partitionOf(account, customerId, options.partitions)),
    );
    if (mine.length > 0) {
      await options.commands.publish(
        mine.map(({ account, customerId, nextDueAt }) => ({
          type: "customer.wake" as const,
          data: { dueAt: nextDueAt },
          metadata: { account, customerId },
          id: { derived: wakeCommandId(account, customerId, nextDueAt) },
        })),
      );
      options.log.info({ woken: mine.length }, "overdue customers woken by the sweep");
    }
    return found.length;
  };

  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      sweeping = sweep().then(
        // A full page may hide more: the next look comes sooner.
        (count) => schedule(count === PAGE ? Math.min(options.everyMs, 1_000) : options.everyMs),
        (error: unknown) => {
          options.log.warn({ err: error }, "sweep of overdue customers failed; tried again");
          schedule(options.everyMs);
        },
      );
    }, delayMs);
  };
  schedule(options.everyMs);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await sweeping;
    },
  };
}
