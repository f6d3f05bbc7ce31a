import { createFaultBook, type FaultBook } from "./faults.ts";
import { createObjectTally, type ObjectTally } from "./objectTally.ts";
import type { BatchMode, ResetHeaderForm, ResolvedOptions } from "./options.ts";
import { createProfileStore, type ProfileStore } from "./profileStore.ts";
import { createRateLimiter, type RateLimiter } from "./rateLimits.ts";
import { createRequestLog, type RequestLog } from "./requestLog.ts";

/** Everything one fake Braze holds; the HTTP shell and the in-process API both work on it. */
export type FakeWorld = {
  options: ResolvedOptions;
  store: ProfileStore;
  limiter: RateLimiter;
  faults: FaultBook;
  log: RequestLog;
  /** What /users/track processed, per array. */
  tally: ObjectTally;
  /** A real-time wait (timeout faults hold real sockets, whatever the injected clock says). */
  sleep(ms: number): Promise<void>;
};

export function createWorld(options: ResolvedOptions, sleep: (ms: number) => Promise<void>): FakeWorld {
  return {
    options,
    store: createProfileStore(),
    limiter: createRateLimiter(),
    faults: createFaultBook(),
    log: createRequestLog(options.requestLogSize),
    tally: createObjectTally(options.countDuplicates),
    sleep,
  };
}

/** Switches a key between COMBINED and PER_TYPE; throws for a key the fake does not know. */
export function setBatchMode(world: FakeWorld, key: string, mode: BatchMode): void {
  const resolved = world.options.keys.get(key);
  if (resolved === undefined) throw new Error(`fake Braze: unknown key ${JSON.stringify(key)}`);
  resolved.batchMode = mode;
}

export function setResetHeader(world: FakeWorld, form: ResetHeaderForm): void {
  world.options.resetHeader = form;
}

/** Forgets users, history, requests, counters and rate windows; keys, switches and faults stay. */
export function resetWorld(world: FakeWorld): void {
  world.store.clear();
  world.log.clear();
  world.tally.clear();
  world.limiter.reset();
}
