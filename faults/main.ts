/**
 * `npm run faults`: Masivo split by role into separate processes, under steady load, through
 * kills, outages and restarts; after each, the store, the streams and the fake Braze's log show
 * whether every acknowledged command was applied exactly once. See faults/README.md.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseOptions, UsageError } from "../bench/support.ts";
import { connectStore } from "../store/index.ts";
import { connectNats } from "../streams/index.ts";
import { startCluster } from "./cluster.ts";
import { held, type Outcome, type Scenario, type SuiteOptions } from "./scenario.ts";
import { audiencesKilled } from "./scenarios/audiencesKilled.ts";
import { brazeDown } from "./scenarios/brazeDown.ts";
import { customersKilled } from "./scenarios/customersKilled.ts";
import { destinationsKilled } from "./scenarios/destinationsKilled.ts";
import { everyoneStopped } from "./scenarios/everyoneStopped.ts";
import { natsStopped } from "./scenarios/natsStopped.ts";
import { storeStopped } from "./scenarios/storeStopped.ts";

const SCENARIOS: Scenario[] = [
  customersKilled,
  natsStopped,
  storeStopped,
  destinationsKilled,
  brazeDown,
  audiencesKilled,
  everyoneStopped,
];

/** Ten minutes of Braze outage, compressed: the outage and the retry waits are cut by this much. */
const BRAZE_COMPRESSION = 10;
const DRAIN_SECONDS = 10;

const OPTION_SPECS = [
  { key: "rate", flag: "--rate", env: "FAULTS_RATE", fallback: 100, min: 1, max: 5_000 },
  { key: "customers", flag: "--customers", env: "FAULTS_CUSTOMERS", fallback: 50, min: 1, max: 100_000 },
  { key: "natsOutageSeconds", flag: "--nats-outage", env: "FAULTS_NATS_OUTAGE", fallback: 15, min: 1, max: 600 },
  { key: "storeOutageSeconds", flag: "--store-outage", env: "FAULTS_STORE_OUTAGE", fallback: 60, min: 1, max: 600 },
  { key: "brazeOutageMinutes", flag: "--braze-outage", env: "FAULTS_BRAZE_OUTAGE", fallback: 10, min: 1, max: 60 },
  {
    key: "audienceCustomers",
    flag: "--audience-customers",
    env: "FAULTS_AUDIENCE_CUSTOMERS",
    fallback: 20_000,
    min: 100,
    max: 1_000_000,
  },
] as const;

const err = (line: string) => process.stderr.write(`${line}\n`);
const out = (line: string) => process.stdout.write(`${line}\n`);

/** `--only 1,3` runs those scenarios (numbered from 1); the other flags are the options above. */
function chosenScenarios(argv: string[]): { chosen: number[]; rest: string[] } {
  const at = argv.findIndex((arg) => arg === "--only" || arg.startsWith("--only="));
  if (at === -1) return { chosen: SCENARIOS.map((_, i) => i + 1), rest: argv };
  const value = argv[at]?.includes("=") ? argv[at]?.split("=")[1] : argv[at + 1];
  const chosen = (value ?? "").split(",").map(Number);
  if (chosen.length === 0 || chosen.some((n) => !Number.isInteger(n) || n < 1 || n > SCENARIOS.length)) {
    throw new UsageError(`--only takes scenario numbers from 1 to ${SCENARIOS.length}, comma-separated`);
  }
  const rest = argv.filter((_, i) => i !== at && !(i === at + 1 && !argv[at]?.includes("=")));
  return { chosen, rest };
}

async function main(): Promise<number> {
  const { chosen, rest } = chosenScenarios(process.argv.slice(2));
  const parsed = parseOptions("faults", OPTION_SPECS, rest, process.env);
  const options: SuiteOptions = {
    ...parsed,
    brazeOutageSeconds: (parsed.brazeOutageMinutes * 60) / BRAZE_COMPRESSION,
  };
  const dataDir = await mkdtemp(join(tmpdir(), "masivo-faults-"));
  err(
    `faults: ${chosen.length} scenarios at ${options.rate} events/s over ${options.customers} customers; data and logs in ${dataDir}`,
  );
  const cluster = await startCluster({
    dataDir,
    drainSeconds: DRAIN_SECONDS,
    brazeRetryMaxSeconds: 60 / BRAZE_COMPRESSION,
    log: (line) => err(line),
  });
  // Interrupted, the suite stops what it started before exiting, rather than leave it running.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      err(`${signal}: stopping the servers and processes; logs kept in ${dataDir}`);
      void cluster.stop().finally(() => process.exit(130));
    });
  }
  const link = await connectNats(cluster.nats.url, "masivo-faults");
  const store = await connectStore(cluster.store.url);
  const witnesses = {
    store,
    link,
    brazeUrl: cluster.braze.url,
    account: cluster.account,
    integrationId: cluster.integrationId,
  };
  const results: { number: number; scenario: Scenario; outcome: Outcome }[] = [];
  try {
    for (const number of chosen) {
      const scenario = SCENARIOS[number - 1] as Scenario;
      err(`${number}. ${scenario.name}`);
      const started = Date.now();
      const outcome = await scenario.run({ cluster, witnesses, options, log: err }).catch(
        (error: unknown): Outcome => ({
          lost: 0,
          duplicated: 0,
          recoverySeconds: Number.POSITIVE_INFINITY,
          problems: [`the scenario failed: ${error instanceof Error ? error.message : String(error)}`],
          findings: [],
        }),
      );
      results.push({ number, scenario, outcome });
      err(`   ${held(outcome) ? "held" : "NOT held"} in ${((Date.now() - started) / 1_000).toFixed(0)} s`);
    }
  } finally {
    await link.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    await cluster.stop();
  }

  for (const { number, scenario, outcome } of results) {
    out(
      `${number}. ${scenario.name}: ${held(outcome) ? "held" : "NOT held"} — ${outcome.lost} lost, ${outcome.duplicated} duplicated, recovered in ${outcome.recoverySeconds.toFixed(1)} s`,
    );
    for (const line of [...outcome.problems, ...outcome.findings]) out(`   ${line}`);
  }
  const heldCount = results.filter(({ outcome }) => held(outcome)).length;
  const lost = results.reduce((sum, { outcome }) => sum + outcome.lost, 0);
  const duplicated = results.reduce((sum, { outcome }) => sum + outcome.duplicated, 0);
  const slowest = Math.max(0, ...results.map(({ outcome }) => outcome.recoverySeconds));
  const allHeld = heldCount === results.length;
  if (allHeld) await rm(dataDir, { recursive: true, force: true });
  else err(`logs kept in ${dataDir}`);
  out(
    `faults: ${heldCount}/${results.length} scenarios held, ${lost} lost, ${duplicated} duplicated, slowest recovery ${slowest.toFixed(1)} s`,
  );
  return allHeld ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    err(
      error instanceof UsageError
        ? error.message
        : `faults: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
