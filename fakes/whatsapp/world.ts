import { createFaultBook, type FaultBook } from "./faults.ts";
import { createMessageStore, type MessageStore } from "./messageStore.ts";
import type { ResolvedOptions } from "./options.ts";
import { createRequestLog, type RequestLog } from "./requestLog.ts";
import { createServiceWindows, type ServiceWindows } from "./serviceWindows.ts";
import { createTemplateBook, type TemplateBook } from "./templates.ts";
import { createThroughput, type Throughput } from "./throughput.ts";

/** Everything one fake WhatsApp holds; the HTTP shell and the in-process API both work on it. */
export type FakeWorld = {
  options: ResolvedOptions;
  templates: TemplateBook;
  messages: MessageStore;
  windows: ServiceWindows;
  throughput: Throughput;
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
    throughput: createThroughput(options.maxPerSecond),
    faults: createFaultBook(),
    log: createRequestLog(options.requestLogSize),
    sleep,
  };
}

/** Forgets messages, requests, counters, throughput and service windows; templates and faults stay. */
export function resetWorld(world: FakeWorld): void {
  world.messages.clear();
  world.windows.clear();
  world.throughput.reset();
  world.log.clear();
}
