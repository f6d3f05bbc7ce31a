/**
 * `npm run bench:planning`: how long the Braze sync's CPU-bound steps take on their own, with no
 * server: packing a mixed window of N customers into `/users/track` calls (`planTrackCalls`), and
 * the fake Braze's rolling window judging a million calls. The unit tests check what these steps
 * produce; how fast they run depends on the machine, so it is measured here. See bench/README.md.
 */
import { performance } from "node:perf_hooks";
import { planTrackCalls } from "../actors/destination/braze/batchCalls.ts";
import { RollingWindow } from "../fakes/braze/RollingWindow.ts";
import { mixedLoad } from "../test/support/brazeItems.ts";
import { err, fmt, type OptionSpec, out, parseOptions, UsageError } from "./support.ts";

const SPECS = [
  { key: "customers", flag: "--customers", env: "BENCH_CUSTOMERS", fallback: 50_000, min: 1, max: 1_000_000 },
  { key: "runs", flag: "--runs", env: "BENCH_RUNS", fallback: 5, min: 1, max: 100 },
] as const satisfies readonly OptionSpec<string>[];

/** The bounds the unit tests used to assert, on the default load. */
const GOALS = { packingMs: 2_000, windowMs: 1_000, objectsPerCall: 70 };
const WINDOW_CALLS = 1_000_000;
/** The fastest of `runs` timings: the machine's other work only ever adds to a run. */
function fastest<T>(runs: number, work: () => T): { ms: number; result: T } {
  let best: { ms: number; result: T } | undefined;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const result = work();
    const ms = performance.now() - started;
    if (best === undefined || ms < best.ms) best = { ms, result };
  }
  return best as { ms: number; result: T };
}

function main(): number {
  const options = parseOptions("bench:planning", SPECS, process.argv.slice(2), process.env);
  const items = mixedLoad(options.customers);
  const packing = fastest(options.runs, () => planTrackCalls(items, "PER_TYPE"));
  const objectsPerCall = items.length / packing.result.length;

  // 2,000 calls per simulated second against 3,000 per rolling 3 s: about half are refused.
  const window = fastest(options.runs, () => {
    const limiter = new RollingWindow(3_000, 3_000);
    let refused = 0;
    for (let i = 0; i < WINDOW_CALLS; i += 1) if (!limiter.tryAcquire(i / 2).allowed) refused += 1;
    return refused;
  });

  out(
    `planning: ${fmt(options.customers)} customers (${fmt(items.length)} objects) packed into ` +
      `${fmt(packing.result.length)} calls, ${objectsPerCall.toFixed(1)} objects/call, in ${packing.ms.toFixed(0)} ms; ` +
      `fake rolling window: ${fmt(WINDOW_CALLS)} calls in ${window.ms.toFixed(0)} ms (fastest of ${options.runs})`,
  );
  const failures: string[] = [];
  if (options.customers === SPECS[0].fallback && packing.ms > GOALS.packingMs) {
    failures.push(`packing took ${packing.ms.toFixed(0)} ms, goal at most ${GOALS.packingMs} ms`);
  }
  if (objectsPerCall < GOALS.objectsPerCall) {
    failures.push(`${objectsPerCall.toFixed(1)} objects/call, goal at least ${GOALS.objectsPerCall}`);
  }
  if (window.ms > GOALS.windowMs)
    failures.push(`the rolling window took ${window.ms.toFixed(0)} ms, goal at most ${GOALS.windowMs} ms`);
  for (const failure of failures) err(`missed: ${failure}`);
  return failures.length === 0 ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (error) {
  err(error instanceof Error ? error.message : String(error));
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
