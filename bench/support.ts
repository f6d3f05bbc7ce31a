/**
 * What the benchmarks share: options from flags and environment variables, output and timing
 * helpers, a GraphQL client for the gateway, open-loop offering at a steady rate, and `runBench`,
 * which starts Masivo (with local servers in a temporary data directory unless NATS_URL /
 * MONGODB_URL are set), hands it to the bench, prints the summary and stops everything on exit,
 * failure or signal. See bench/README.md.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { jetstreamManager } from "@nats-io/jetstream";
import type { Document } from "mongodb";
import { pino } from "pino";
import { type RunningMasivo, startMasivo } from "../app/startMasivo.ts";
import { type Config, loadConfig } from "../config/config.ts";
import { type FakeSmtp, relaySettings } from "../fakes/smtp/index.ts";
import { type MasivoProcess, masivoProcess } from "../faults/masivoProcess.ts";
import type { IngestCommandDraft } from "../model/index.ts";
import { freePort, isAlive } from "../stack/index.ts";
import { CUSTOMERS_COLLECTION, connectStore, partitionCheckpointsRepository, type Store } from "../store/index.ts";
import {
  type CommandPublisher,
  connectNats,
  type NatsLink,
  readStreamLayout,
  STREAM_NAMES,
  subjects,
} from "../streams/index.ts";
import { renderOverlay } from "../test/support/kustomize.ts";
import { masivoContainer } from "../test/support/podEnvironment.ts";

// ---------------------------------------------------------------------------------------------
// Options

export type OptionSpec<K extends string> = {
  key: K;
  flag: string;
  env: string;
  fallback: number;
  min: number;
  max: number;
};

export class UsageError extends Error {
  override name = "UsageError";
}

function usageOf(script: string, specs: readonly OptionSpec<string>[]): string {
  return `usage: npm run ${script} -- [options]
${specs.map((s) => `  ${`${s.flag} N`.padEnd(22)} (env ${s.env}, default ${s.fallback})`).join("\n")}`;
}

/** Integer options; flags win over environment variables, which win over the defaults. */
export function parseOptions<K extends string>(
  script: string,
  specs: readonly OptionSpec<K>[],
  argv: string[],
  env: Record<string, string | undefined>,
): Record<K, number> {
  const usage = usageOf(script, specs);
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    const [flag, inline] = arg.split("=", 2) as [string, string | undefined];
    if (!specs.some((s) => s.flag === flag)) throw new UsageError(`unknown argument ${arg}\n${usage}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value\n${usage}`);
    given.set(flag, value);
  }
  const options = {} as Record<K, number>;
  for (const spec of specs) {
    const raw = given.get(spec.flag) ?? (env[spec.env] || undefined);
    const value = raw === undefined ? spec.fallback : Number(raw.replaceAll("_", ""));
    if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
      throw new UsageError(
        `${spec.flag} (${spec.env}) must be an integer from ${spec.min} to ${spec.max}, got "${raw}"`,
      );
    }
    options[spec.key] = value;
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

export const PROGRESS_EVERY_MS = 2_000;
/** How long the customer documents may take to be written behind their facts. */
const DRAIN_TIMEOUT_MS = 600_000;
/** A phase fails when nothing progresses for this long. */
export const STALL_MS = 120_000;
/** How long Masivo gets to stop before the servers of the run are killed. */
const STOP_TIMEOUT_MS = 30_000;

export const err = (line: string) => process.stderr.write(`${line}\n`);
export const out = (line: string) => process.stdout.write(`${line}\n`);
export const fmt = (value: number) => Math.round(value).toLocaleString("en-US");
export const seconds = (ms: number) => (ms / 1000).toFixed(1);

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Calls `report` every PROGRESS_EVERY_MS (with the seconds since the start) until the returned stop. */
export function everyFewSeconds(report: (elapsedS: string) => void): () => void {
  const started = performance.now();
  const timer = setInterval(
    () => report(((performance.now() - started) / 1000).toFixed(0).padStart(4)),
    PROGRESS_EVERY_MS,
  );
  timer.unref();
  return () => clearInterval(timer);
}

/** The q-quantile (nearest rank) of ascending values. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/** Settles with true when `promise` does within `ms`, false otherwise (it keeps running). */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the store still answers a read of the customers (FerretDB v1 can stop answering; see bench/README.md). */
export async function diagnoseStore(store: Store): Promise<string> {
  const read = store.db.collection<Document>(CUSTOMERS_COLLECTION).findOne({}, { projection: { _id: 1 } });
  if (await within(read, 5_000)) return "the store still answers reads";
  return store.isFerretDB
    ? "the store no longer answers a read of the customers within 5 s: FerretDB's SQLite connection pool is exhausted by update commands that never finish (see bench/README.md)"
    : "the store no longer answers a read of the customers within 5 s";
}

// ---------------------------------------------------------------------------------------------
// The gateway

/** One GraphQL request to the gateway; throws with the body on an HTTP error or GraphQL errors. */
export type GraphQL = <T>(query: string, variables: Record<string, unknown>, signal: AbortSignal) => Promise<T>;

function graphqlClient(url: string, key: string): GraphQL {
  const headers = { "content-type": "application/json", authorization: `Bearer ${key}` };
  return async <T>(query: string, variables: Record<string, unknown>, signal: AbortSignal) => {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      // A call that hangs (the gateway authenticates against the store) fails like a stall.
      signal: AbortSignal.any([signal, AbortSignal.timeout(STALL_MS)]),
    });
    const text = await response.text();
    let body: { data?: T | null; errors?: unknown[] } | undefined;
    try {
      body = JSON.parse(text) as { data?: T | null; errors?: unknown[] };
    } catch {
      body = undefined;
    }
    if (response.status !== 200 || !body?.data || (body.errors?.length ?? 0) > 0) {
      const operation = /\{\s*(\w+)/.exec(query)?.[1] ?? "GraphQL request";
      throw new Error(`${operation} failed (HTTP ${response.status}): ${text.slice(0, 500)}`);
    }
    return body.data;
  };
}

export type EventInput = {
  id: string;
  customerId: string;
  name: string;
  properties: Record<string, string | number>;
};

const TRACK_EVENTS = "mutation($e:[EventInput!]!){ trackEvents(events:$e){ accepted } }";

/** `trackEvents` over HTTP; throws unless the gateway accepted every event. */
export async function trackEvents(gql: GraphQL, events: EventInput[], signal: AbortSignal): Promise<void> {
  const data = await gql<{ trackEvents: { accepted: number } }>(TRACK_EVENTS, { e: events }, signal);
  if (data.trackEvents.accepted !== events.length) {
    throw new Error(`trackEvents accepted ${data.trackEvents.accepted} of ${events.length} events`);
  }
}

/** Events per call when offering at `rate` per second: about ten calls a second, at most 50 events each. */
export function callSizeFor(rate: number): number {
  return Math.max(1, Math.min(50, Math.floor(rate / 10)));
}

/**
 * Offers items 0…planned−1 at `rate` per second, `size` a call, on a timer, without waiting for
 * earlier calls (open loop); `send(from, to)` offers items from ≤ n < to. The first failure stops
 * the offering and is thrown once the calls in flight have settled.
 */
export async function offerAtRate(options: {
  rate: number;
  planned: number;
  size: number;
  signal: AbortSignal;
  send: (from: number, to: number) => Promise<void>;
}) {
  const { rate, planned, size, signal } = options;
  const inFlight = new Set<Promise<void>>();
  const ackTimes: number[] = [];
  let failure: unknown;
  let maxInFlight = 0;
  try {
    const started = performance.now();
    let offered = 0;
    while (offered < planned && failure === undefined) {
      const due = Math.min(planned, Math.floor((rate * (performance.now() - started)) / 1000));
      while (failure === undefined && (due - offered >= size || (due === planned && offered < planned))) {
        const from = offered;
        const to = Math.min(planned, from + size);
        offered = to;
        const sentAt = performance.now();
        const call: Promise<void> = options.send(from, to).then(
          () => {
            ackTimes.push(performance.now() - sentAt);
            inFlight.delete(call);
          },
          (error: unknown) => {
            failure ??= error;
            inFlight.delete(call);
          },
        );
        inFlight.add(call);
        maxInFlight = Math.max(maxInFlight, inFlight.size);
      }
      await sleep(Math.max(1, Math.min(20, (size * 1000) / rate / 4)), signal);
    }
    const offeredMs = performance.now() - started;
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    return { offeredRate: (planned * 1000) / offeredMs, maxInFlight, acks: Float64Array.from(ackTimes).sort() };
  } finally {
    await Promise.allSettled(inFlight);
  }
}

// ---------------------------------------------------------------------------------------------
// Commands straight onto INGEST

const COMMANDS_PER_CALL = 1_000;

/** Publishes `count` commands, `draft(i)` for i = 0…count−1, through INGEST in calls of COMMANDS_PER_CALL. */
export async function publishCommands(
  publisher: CommandPublisher,
  what: string,
  count: number,
  draft: (i: number) => IngestCommandDraft,
): Promise<void> {
  for (let start = 0; start < count; start += COMMANDS_PER_CALL) {
    const drafts = Array.from({ length: Math.min(COMMANDS_PER_CALL, count - start) }, (_, k) => draft(start + k));
    await publisher.publish(drafts);
  }
  err(`${what}: ${fmt(count)} commands published`);
}

/**
 * Masivo running `roles` in a process of its own (`node main.ts`) against the bench's servers,
 * started and ready, stopped (and its data directory removed) when the bench ends: what a bench
 * measures apart from the rest of Masivo, which runs in the bench's process.
 */
export async function startRoleProcess(
  bench: Bench,
  roles: string,
  environment: Record<string, string> = {},
): Promise<MasivoProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), `masivo-bench-${roles}-`));
  const worker = masivoProcess({
    name: roles,
    environment: {
      MASIVO_ROLES: roles,
      NATS_URL: bench.running.natsUrl,
      MONGODB_URL: bench.running.mongodbUrl,
      MASIVO_MASTER_KEY: bench.masterKey,
      MASIVO_LOG_LEVEL: "warn",
      ...environment,
      ...roleNodeOptions(roles),
    },
    opsPort: await freePort(),
    dataDir,
    onUnexpectedExit: (name, exit) => err(`${name} exited unexpectedly: ${JSON.stringify(exit)}`),
  });
  bench.defer(async () => {
    if (worker.running()) await worker.signal("SIGTERM");
    await rm(dataDir, { recursive: true, force: true });
  });
  await worker.start();
  return worker;
}

/**
 * Node's options for a role's process (bench/README.md): those its production Deployment gives it
 * (a heap budget), then BENCH_ROLE_NODE_OPTIONS as given (later flags win), and with
 * BENCH_CPU_PROFILE a CPU profile written there when it stops.
 */
function roleNodeOptions(roles: string): { NODE_OPTIONS?: string } {
  const profile = process.env.BENCH_CPU_PROFILE;
  const options = [
    ...deployedNodeOptions(roles),
    ...(process.env.BENCH_ROLE_NODE_OPTIONS ? [process.env.BENCH_ROLE_NODE_OPTIONS] : []),
    ...(profile ? [`--cpu-prof --cpu-prof-dir=${profile}`] : []),
  ];
  return options.length > 0 ? { NODE_OPTIONS: options.join(" ") } : {};
}

/** NODE_OPTIONS of the role's Deployment as the production overlay renders it; none for several roles. */
function deployedNodeOptions(roles: string): string[] {
  if (roles.includes(",")) return [];
  const deployment = `masivo-${roles}`;
  const variable = masivoContainer(renderOverlay("production"), deployment).env.find(
    (entry) => entry.name === "NODE_OPTIONS",
  );
  return variable?.value ? [variable.value] : [];
}

/** Points the `default` account's email at a fake SMTP relay, sending at most `maxPerSecond`. */
export async function configureFakeEmail(bench: Bench, smtp: FakeSmtp, maxPerSecond: number): Promise<void> {
  await bench.gql(
    "mutation($input: EmailSettingsInput!) { configureEmail(input: $input) { id } }",
    { input: relaySettings(smtp, { maxPerSecond }) },
    bench.signal,
  );
}

/**
 * Waits until the customer actors have applied every command on INGEST: their consumer lag, as
 * the operations endpoint tells it, is zero.
 */
export async function untilCustomersApplied(bench: Bench): Promise<void> {
  for (;;) {
    const metrics = await (
      await fetch(`http://127.0.0.1:${bench.running.opsPort}/metrics`, { signal: bench.signal })
    ).text();
    const lags = [...metrics.matchAll(/^masivo_customer_consumer_lag\{[^}]*\} (\d+)/gm)].map((match) =>
      Number(match[1]),
    );
    const lag = lags.reduce((sum, value) => sum + value, 0);
    if (lags.length > 0 && lag === 0) return;
    err(`customer actors: ${fmt(lag)} commands still to apply`);
    await sleep(PROGRESS_EVERY_MS, bench.signal);
  }
}

/** How many messages `stream` holds on the subjects `filter` matches, without reading them. */
export async function countMessages(link: NatsLink, stream: string, filter: string): Promise<number> {
  const jsm = await jetstreamManager(link.nc);
  const info = await jsm.streams.info(stream, { subjects_filter: filter });
  return Object.values(info.state.subjects ?? {}).reduce((sum, count) => sum + count, 0);
}

/** How many facts of `kind` CHANGES holds for `account` (`chg.<account>.<kind>`), without reading them. */
export function countFacts(link: NatsLink, account: string, kind: string): Promise<number> {
  return countMessages(link, STREAM_NAMES.changes, subjects.change(account, kind));
}

/**
 * Waits until every INGEST partition's checkpoint has passed the last command of `account`: the
 * customer actors write documents behind their facts and move the checkpoint once written.
 * Answers the milliseconds it waited.
 */
export async function untilWrittenBehind(bench: Bench, account: string): Promise<number> {
  const { link, store, signal } = bench;
  const layout = await readStreamLayout(link.nc);
  if (!layout) throw new Error(`stream ${STREAM_NAMES.ingest} is missing`);
  const jsm = await jetstreamManager(link.nc);
  const checkpoints = partitionCheckpointsRepository(store.db);
  const partitions = Array.from({ length: layout.partitions }, (_, p) => p);
  const targets = await Promise.all(
    partitions.map(async (p) => {
      const last = await jsm.streams.getMessage(STREAM_NAMES.ingest, { last_by_subj: subjects.ingest(account, p) });
      return last?.seq ?? 0;
    }),
  );
  let behind = partitions.length;
  const stopProgress = everyFewSeconds((elapsed) =>
    err(`write-behind ${elapsed} s: ${behind}/${partitions.length} partitions not yet written through`),
  );
  const started = performance.now();
  try {
    for (;;) {
      const written = await Promise.all(partitions.map((p) => checkpoints.get(p)));
      behind = partitions.filter((p) => (written[p] ?? 0) < (targets[p] ?? 0)).length;
      if (behind === 0) return performance.now() - started;
      if (performance.now() - started > DRAIN_TIMEOUT_MS) {
        throw new Error(
          `the customer documents were not written within ${DRAIN_TIMEOUT_MS / 1000} s ` +
            `(${behind} partitions behind); ${await diagnoseStore(store)}`,
        );
      }
      await sleep(1_000, signal);
    }
  } finally {
    stopProgress();
  }
}

// ---------------------------------------------------------------------------------------------
// Running a bench against Masivo

export type Bench = {
  running: RunningMasivo;
  /** The gateway, as the `default` account's admin. */
  gql: GraphQL;
  link: NatsLink;
  store: Store;
  signal: AbortSignal;
  /** Random, unique to the run. */
  tag: string;
  /** NATS is the user's (NATS_URL): ids must be unique to the run, past runs' commands may be replayed. */
  sharedNats: boolean;
  /** Made for the run: the secrets this process's Masivo seals, a role process opens (`startRoleProcess`). */
  masterKey: string;
  /** Something to stop before the connections close; the last registered stops first. */
  defer: (stop: () => Promise<unknown>) => void;
};

/** The summary for stdout, its exact last line, and the goals missed (then the exit code is 1). */
export type BenchOutcome = { summary: string[]; lastLine: string; failures: string[] };

/** A summary and failures to fill; `note` adds a summary line and shows it on stderr at once. */
export function startOutcome(): Omit<BenchOutcome, "lastLine"> & { note: (line: string) => void } {
  const summary: string[] = [];
  return {
    summary,
    failures: [],
    note(line) {
      summary.push(line);
      err(line);
    },
  };
}

type Resources = { running?: RunningMasivo; link?: NatsLink; store?: Store; deferred: (() => Promise<unknown>)[] };

/**
 * The last resort when Masivo does not stop (a store call that never returns keeps a partition
 * busy): ends the servers this run started, found by the pid files the stack keeps in our data dir.
 */
async function killServersIn(dataDir: string) {
  for (const name of ["nats-server.pid", "ferretdb.pid", "mongod.pid"]) {
    const pid = Number((await readFile(join(dataDir, name), "utf8").catch(() => "")).trim());
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const commandLine = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (!commandLine.includes(dataDir)) continue; // not a server of this run
    err(`killing ${name.replace(/\.pid$/, "")} (pid ${pid})`);
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    if (isAlive(pid)) process.kill(pid, "SIGKILL");
  }
}

/**
 * Stops everything the run started, once, whatever state it is in. Returns false when something
 * would not stop in time (the process should then exit by itself rather than wait).
 */
function cleanupOnce(resources: Resources, dataDir: string, dropDatabase: boolean): () => Promise<boolean> {
  let done: Promise<boolean> | undefined;
  const run = async () => {
    let clean = true;
    const { running, link, store, deferred } = resources;
    for (const stop of deferred.reverse()) clean = (await within(stop(), 5_000)) && clean;
    if (link) clean = (await within(link.close(), 5_000)) && clean;
    if (running) {
      const stopping = running.stop();
      if (!(await within(stopping, STOP_TIMEOUT_MS))) {
        err(`Masivo did not stop within ${STOP_TIMEOUT_MS / 1000} s`);
        await killServersIn(dataDir);
        clean = (await within(stopping, 15_000)) && false;
      }
    }
    if (store) {
      if (dropDatabase) await within(store.db.dropDatabase(), 10_000);
      clean = (await within(store.close(), 5_000)) && clean;
    }
    await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    return clean;
  };
  return () => {
    done ??= run();
    return done;
  };
}

async function benchMain<O>(spec: BenchSpec<O>): Promise<number> {
  const options = spec.parse(process.argv.slice(2), process.env);
  const tag = randomBytes(3).toString("hex");
  const masterKey = randomBytes(32).toString("hex");
  const dataDir = await mkdtemp(join(tmpdir(), "masivo-bench-"));
  const userNats = process.env.NATS_URL || undefined;
  const userMongo = process.env.MONGODB_URL || undefined;
  // A server of the user's keeps its data: the run gets a database of its own, dropped at the end.
  const mongodbUrl = userMongo
    ? (() => {
        const url = new URL(userMongo);
        url.pathname = `/masivo_bench_${tag}`;
        return url.toString();
      })()
    : undefined;
  const environment = {
    PORT: "0",
    MASIVO_OPS_PORT: "0",
    NATS_URL: userNats,
    MONGODB_URL: mongodbUrl,
    MASIVO_DATA_DIR: dataDir,
    MASIVO_MASTER_KEY: masterKey,
    MASIVO_LOG_LEVEL: "warn",
    MASIVO_ROLES: "all",
    MASIVO_PARTITIONS: process.env.MASIVO_PARTITIONS,
    ...(typeof spec.environment === "function" ? spec.environment(options) : spec.environment),
  };
  let config: Config;
  try {
    config = loadConfig(environment);
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  // Logs go to stderr, so stdout carries only the summary.
  const log = pino({ name: "masivo", level: config.logLevel }, pino.destination({ dest: 2, sync: true }));

  const resources: Resources = { deferred: [] };
  const cleanup = cleanupOnce(resources, dataDir, userMongo !== undefined);
  const abort = new AbortController();
  const { signal } = abort;
  const onSignal = (name: NodeJS.Signals) => {
    err(`${name}: stopping`);
    abort.abort(new Error(`interrupted by ${name}`));
    void cleanup().finally(() => process.exit(name === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  let outcome: BenchOutcome | undefined;
  let clean = true;
  try {
    err(`${spec.name}: ${spec.header(options)}`);
    const startedServers = performance.now();
    const running = await startMasivo({ config, log, onServerCrash: (error) => abort.abort(error) });
    resources.running = running;
    const key = running.bootstrapKey;
    const url = running.graphqlUrl;
    if (!key || !url) throw new Error("Masivo started without a bootstrap key or gateway (the database was not fresh)");
    err(`started Masivo in ${seconds(performance.now() - startedServers)} s (data in ${dataDir})`);

    const link = await connectNats(running.natsUrl, "masivo-bench");
    resources.link = link;
    const store = await connectStore(running.mongodbUrl);
    resources.store = store;
    const ingest = await (await jetstreamManager(link.nc)).streams.info(STREAM_NAMES.ingest);
    if (ingest.state.messages > 0)
      err(`warning: INGEST already holds ${fmt(ingest.state.messages)} messages; the worker replays them too`);

    const bench: Bench = {
      running,
      gql: graphqlClient(url, key),
      link,
      store,
      signal,
      tag,
      sharedNats: userNats !== undefined,
      masterKey,
      defer: (stop) => resources.deferred.push(stop),
    };
    outcome = await spec.run(bench, options);
  } finally {
    err("stopping Masivo…");
    clean = await cleanup();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  for (const line of outcome.summary) out(line);
  out(outcome.lastLine);
  for (const failure of outcome.failures) err(`${spec.name}: ${failure}`);
  const code = outcome.failures.length > 0 ? 1 : 0;
  // Something would not stop: do not wait for it.
  if (!clean) process.exit(code);
  return code;
}

type BenchSpec<O> = {
  /** `bench:<name>`, as npm runs it. */
  name: string;
  /** Throws UsageError on bad arguments. */
  parse: (argv: string[], env: Record<string, string | undefined>) => O;
  /** The first progress line: what the run will do. */
  header: (options: O) => string;
  /** Masivo's environment besides the defaults (`MASIVO_ROLES=all`, log level `warn`, …). */
  environment?: Record<string, string> | ((options: O) => Record<string, string>);
  run: (bench: Bench, options: O) => Promise<BenchOutcome>;
};

/**
 * Runs a bench to its end and exits: 0 when it met its goals, 1 when it missed one or failed,
 * 2 on bad arguments, 130/143 on SIGINT/SIGTERM; everything the run started is stopped first.
 */
export function runBench<O>(spec: BenchSpec<O>): void {
  benchMain(spec).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      err(
        error instanceof UsageError
          ? error.message
          : `${spec.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      // Something may still hang on a server that was killed: do not wait for it.
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}
