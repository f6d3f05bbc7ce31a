import { RollingWindow } from "../braze/RollingWindow.ts";
import { createFaultBook, type FaultBook } from "./faults.ts";
import { createMailbox, type Mailbox } from "./mailbox.ts";
import type { ResolvedOptions } from "./options.ts";

/** Everything one fake SMTP relay holds, shared by the SMTP hooks and the control endpoints. */
export type FakeWorld = {
  options: ResolvedOptions;
  faults: FaultBook;
  mailbox: Mailbox;
  rateWindow: RollingWindow | undefined;
  /** Resolves after `ms`; close() cancels what is still waiting. */
  sleep: (ms: number) => Promise<void>;
  nextQueueId: () => string;
};

export function createWorld(options: ResolvedOptions, sleep: (ms: number) => Promise<void>): FakeWorld {
  let queued = 0;
  return {
    options,
    faults: createFaultBook(),
    mailbox: createMailbox(options.messageLogSize),
    rateWindow: newRateWindow(options),
    sleep,
    // Postfix-like queue ids: upper-case hex, unique per fake.
    nextQueueId: () => (++queued).toString(16).toUpperCase().padStart(10, "0"),
  };
}

/** Forgets messages, counters and the rate window; the account and the faults stay. */
export function resetWorld(world: FakeWorld): void {
  world.mailbox.clear();
  world.rateWindow = newRateWindow(world.options);
}

function newRateWindow(options: ResolvedOptions): RollingWindow | undefined {
  const limit = options.rateLimit;
  return limit === undefined ? undefined : new RollingWindow(limit.messages, limit.windowMs);
}
