import { setTimeout as sleep } from "node:timers/promises";
import { auditLoad, brazeCaughtUp, brazeEventCounts, storedEventCounts, type Witnesses } from "./audit.ts";
import type { Cluster } from "./cluster.ts";
import { startLoad } from "./load.ts";

/** The longest a scenario may take to recover before it counts as not held. */
export const RECOVERY_GOAL_S = 30;
/** How long the suite waits for a backlog before it counts what is missing as lost. */
const SETTLE_TIMEOUT_MS = 240_000;
const POLL_MS = 500;
/** Load after the fault, so that recovery happens under load too. */
const LOAD_AFTER_FAULT_MS = 3_000;

export type SuiteOptions = {
  rate: number;
  customers: number;
  natsOutageSeconds: number;
  storeOutageSeconds: number;
  brazeOutageSeconds: number;
  audienceCustomers: number;
};

/** What a scenario is given: the running cluster, where to look, the options, a log line writer. */
export type Suite = { cluster: Cluster; witnesses: Witnesses; options: SuiteOptions; log: (line: string) => void };

/** What a scenario found. `problems`: promises broken besides losses and duplicates (an exit, a wrong answer). */
export type Outcome = {
  lost: number;
  duplicated: number;
  /** From the fault's end to the backlog drained. */
  recoverySeconds: number;
  problems: string[];
  findings: string[];
};

export type Scenario = { name: string; run: (suite: Suite) => Promise<Outcome> };

/** Whether a scenario held: nothing lost, nothing duplicated, no problem, recovered within the goal. */
export function held(outcome: Outcome): boolean {
  return (
    outcome.lost === 0 &&
    outcome.duplicated === 0 &&
    outcome.problems.length === 0 &&
    outcome.recoverySeconds <= RECOVERY_GOAL_S
  );
}

/** Polls `check` until it returns something; undefined when `timeoutMs` passes first. */
export async function poll<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined || Date.now() > deadline) return value;
    await sleep(POLL_MS);
  }
}

/**
 * The shape of most scenarios: steady load through the gateway; once Braze receives it, `fault`
 * runs and resolves when the fault has ended; load goes on a little, stops once every offered
 * event is acknowledged, and the backlog drains. Recovery counts from the fault's end until Braze
 * has every event acknowledged before it; then the store, CHANGES and Braze are audited.
 */
export async function underLoad(
  suite: Suite,
  prefix: string,
  fault: () => Promise<void>,
  refusals: RefusalExpectations = { allowed: [] },
): Promise<Outcome> {
  const { witnesses, options, log } = suite;
  const exitsBefore = suite.cluster.unexpectedExits.length;
  const load = startLoad({ gql: suite.cluster.gql, prefix, customers: options.customers, rate: options.rate });
  const flowing = await poll(
    async () => ((await brazeEventCounts(witnesses, prefix)).size >= options.rate ? true : undefined),
    60_000,
  );
  if (!flowing) log(`  ${prefix}: events did not reach Braze within 60 s before the fault`);
  await fault();
  const faultEnded = Date.now();
  const before = [...load.acked()];
  await sleep(LOAD_AFTER_FAULT_MS);
  const events = await load.stop();

  const recovered = await poll(async () => {
    const atBraze = await brazeEventCounts(witnesses, prefix);
    return before.every((n) => atBraze.has(n)) ? Date.now() : undefined;
  }, SETTLE_TIMEOUT_MS);
  const recoverySeconds = ((recovered ?? Date.now()) - faultEnded) / 1_000;
  await poll(async () => {
    const atBraze = await brazeEventCounts(witnesses, prefix);
    const stored = await storedEventCounts(witnesses, prefix, options.customers);
    const counted = [...stored.values()].reduce((sum, count) => sum + count, 0);
    return atBraze.size >= events.size && counted >= events.size && (await brazeCaughtUp(witnesses)) ? true : undefined;
  }, SETTLE_TIMEOUT_MS);

  const tally = await auditLoad(witnesses, { prefix, customers: options.customers, events });
  const problems: string[] = [];
  if (recovered === undefined) problems.push(`the backlog did not drain within ${SETTLE_TIMEOUT_MS / 1_000} s`);
  for (const { name, exit } of suite.cluster.unexpectedExits.slice(exitsBefore)) {
    problems.push(`${name} exited unasked (code ${exit.code}, signal ${exit.signal})`);
  }
  const refused = load.refusals();
  const unexpected = [...refused.keys()].filter((code) => !refusals.allowed.includes(code));
  if (unexpected.length > 0) problems.push(`the gateway answered ${unexpected.join(", ")}`);
  if (refusals.expected && !refused.has(refusals.expected)) {
    problems.push(`the gateway never answered ${refusals.expected} during the fault`);
  }
  const summary = [...refused].map(([code, count]) => `${code} ×${count}`).join(", ");
  const findings = [
    `${events.size} events acknowledged${summary ? `; calls refused meanwhile (${summary}), each tried again` : ""}`,
    ...tally.findings,
  ];
  return { lost: tally.lost, duplicated: tally.duplicated, recoverySeconds, problems, findings };
}

/**
 * The gateway's refusals a scenario allows (a client tries those again), and the one it must see
 * at least once (the fault was noticed).
 */
export type RefusalExpectations = { allowed: readonly string[]; expected?: string };
