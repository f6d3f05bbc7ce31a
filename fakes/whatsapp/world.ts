import { createFaultBook, type FaultBook } from "./faults.ts";
import { createMessageStore, type MessageStore } from "./messageStore.ts";
import type { ResolvedOptions } from "./options.ts";
import { createRequestLog, type RequestLog } from "./requestLog.ts";
import { createRollingLimit, type RollingLimit } from "./rollingLimit.ts";
import { createServiceWindows, type ServiceWindows } from "./serviceWindows.ts";
import { createTemplateBook, type TemplateBook } from "./templates.ts";

/** Everything one fake WhatsApp holds; the HTTP shell and the in-process API both work on it. */
export type FakeWorld = {
  options: ResolvedOptions;
  templates: TemplateBook;
  messages: MessageStore;
  windows: ServiceWindows;
  /** Sends per phone number id per second. */
  throughput: RollingLimit;
  /** Sends per phone number id and user; unlimited unless configured. */
  pairLimit: RollingLimit | undefined;
  faults: FaultBook;
  log: RequestLog;
  /** A real-time wait (timeout faults hold real sockets, whatever the injected clock says). */
  sleep(ms: number): Promise<void>;
};

export function createWorld(options: ResolvedOptions, sleep: (ms: number) => Promise<void>): FakeWorld {
  return {
    options,
    templates: createTemplateBook(options.templates),
    messages: createMessageStore(),
    windows: createServiceWindows(options.serviceWindowMs),
    throughput: createRollingLimit(options.maxPerSecond, 1_000),
    pairLimit:
      options.pairRateLimit === undefined
        ? undefined
        : createRollingLimit(options.pairRateLimit.limit, options.pairRateLimit.windowMs),
    faults: createFaultBook(),
    log: createRequestLog(options.requestLogSize),
    sleep,
  };
}

/** Forgets messages, requests, counters, rate windows and service windows; templates and faults stay. */
export function resetWorld(world: FakeWorld): void {
  world.messages.clear();
  world.windows.clear();
  world.throughput.reset();
  world.pairLimit?.reset();
  world.log.clear();
}
