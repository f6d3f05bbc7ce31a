/**
 * `npm run bench:braze`: how close the Braze destination gets to Braze's `/users/track` ceiling
 * (3,000 calls per rolling 3 s, 1,000 calls/s) and how full its calls are, on a backlog of a
 * million track objects published straight into CHANGES and synced to the fake Braze, which runs
 * as a process of its own and enforces the real limit. See bench/README.md.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { type PerformanceEntry, PerformanceObserver, constants as perfConstants } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { consumerName } from "../actors/destination/integrationConsumer.ts";
import { PROGRESS_BUCKET } from "../actors/destination/windowProgress.ts";
import type { FakeBrazeStats } from "../fakes/braze/index.ts";
import { CONSENT_PURPOSES, type CustomerFact } from "../model/index.ts";
import { brazeIntegrationId } from "../store/index.ts";
import { createFactPublisher, decodeFact, encodeFact, factIdOf, STREAM_NAMES } from "../streams/index.ts";
import {
  type Bench,
  type BenchOutcome,
  err,
  everyFewSeconds,
  fmt,
  type OptionSpec,
  parseOptions,
  runBench,
  STALL_MS,
  seconds,
  sleep,
  startOutcome,
  startRoleProcess,
} from "./support.ts";

// ---------------------------------------------------------------------------------------------
// Options and constants

type Options = { customers: number; trackLimit: number; latencyMs: number; roleProcess: number };

const OPTION_SPECS: readonly OptionSpec<keyof Options>[] = [
  { key: "customers", flag: "--customers", env: "BENCH_CUSTOMERS", fallback: 50_000, min: 100, max: 1_000_000 },
  // Braze's limit unless told otherwise; a lower one shows the sync's pace where the machine can feed it.
  { key: "trackLimit", flag: "--track-limit", env: "BENCH_TRACK_LIMIT", fallback: 3_000, min: 30, max: 30_000 },
  // Braze answers from afar; the fake, on this machine, at once unless told to wait.
  { key: "latencyMs", flag: "--latency-ms", env: "BENCH_LATENCY_MS", fallback: 0, min: 0, max: 5_000 },
  // 1: the destinations role in a process of its own, with its Deployment's Node options, as deployed.
  { key: "roleProcess", flag: "--role-process", env: "BENCH_ROLE_PROCESS", fallback: 0, min: 0, max: 1 },
];

const ACCOUNT = "default";
const API_KEY = "bench-braze-key";
/** Braze's window, over which the fake enforces the track limit (3,000 calls unless `--track-limit`). */
const TRACK_WINDOW_MS = 3_000;
/** Per customer: facts, and the track objects they make (see `customerFacts`). */
const EVENTS_PER_CUSTOMER = 14;
const PURCHASES_PER_CUSTOMER = 2;
const ITEMS_PER_PURCHASE = 2;
const FACTS_PER_CUSTOMER = 2 + EVENTS_PER_CUSTOMER + PURCHASES_PER_CUSTOMER;
const EXPECTED_PER_CUSTOMER = {
  attributes: 2,
  events: EVENTS_PER_CUSTOMER,
  purchases: PURCHASES_PER_CUSTOMER * ITEMS_PER_PURCHASE,
} as const;
/** Customers whose facts are interleaved in CHANGES, as if that many were active at once. */
const ACTIVE_CUSTOMERS = 1_000;
/** Facts published at once (each waits for its JetStream ack). */
const PUBLISH_CHUNK = 2_000;
const EVENT_NAMES = ["page_viewed", "product_viewed", "added_to_cart", "search", "app_opened"];
const GOAL_SHARE = 0.9;
const GOAL_OBJECTS_PER_CALL = 70;
/**
 * How often the fake's counters are read during the sync. The polling runs in Masivo's process and
 * counts in its CPU; the end it detects is at most this late, which adds no CPU (Masivo is idle then).
 */
const POLL_MS = 100;

// ---------------------------------------------------------------------------------------------
// The backlog

/** A small deterministic PRNG (mulberry32), so every run publishes the same interleaving. */
function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Where the facts' ids and times start. */
type Backlog = {
  /** Added to every fact's source sequence: 0, or unique to the run when NATS is the user's (ids must be new). */
  seqBase: number;
  /** Epoch ms of the first fact. */
  base: number;
};

/**
 * Customer k's facts in order: created (attributes), 14 custom events, 2 purchases of 2 items,
 * and a profile update halfway (attributes), 20 track objects from 18 facts. Every object is
 * unique (its fact id is among its properties or attributes, purchases differ by order and
 * product), so the fake's duplicate count sees any resend. The two attributes objects of a
 * customer always have events between them, so they are never merged into one.
 */
function customerFacts(k: number, backlog: Backlog): CustomerFact[] {
  const customerId = `c-${k}`;
  const facts: CustomerFact[] = [];
  let events = 0;
  for (let j = 0; j < FACTS_PER_CUSTOMER; j++) {
    // A distinct source sequence per fact: ids stay unique however the run is sized.
    const n = k * FACTS_PER_CUSTOMER + j + 1;
    const sourceSeq = backlog.seqBase + n;
    const fact = factIdOf(ACCOUNT, sourceSeq, 0);
    const at = new Date(backlog.base + n).toISOString();
    const metadata = { account: ACCOUNT, customerId, factId: fact, at, sourceSeq };
    if (j === 0 || j === 9) {
      const created = j === 0;
      facts.push({
        type: "customer.profileChanged",
        data: {
          profile: { email: `${customerId}@example.com`, firstName: `Name ${k}`, tier: created ? "SILVER" : "GOLD" },
          attributes: { fact, score: k % 100, plan: created ? "free" : "pro" },
          consent: Object.fromEntries(CONSENT_PURPOSES.map((purpose) => [purpose, "GRANTED"])) as Record<
            (typeof CONSENT_PURPOSES)[number],
            "GRANTED"
          >,
          identified: true,
          created,
          changed: created
            ? ["email", "firstName", "tier", "attributes", "consent", "identified"]
            : ["tier", "attributes"],
        },
        metadata,
      });
    } else if (j === 5 || j === 14) {
      facts.push({
        type: "purchase.recorded",
        data: {
          orderId: `o-${sourceSeq}`,
          currency: "USD",
          sign: 1,
          cause: "FULFILL",
          items: Array.from({ length: ITEMS_PER_PURCHASE }, (_, i) => ({
            sku: `sku-${(k + i) % 50}-${i}`,
            name: `Product ${(k + i) % 50}`,
            price: 10 + ((k + i) % 90),
            quantity: 1 + i,
          })),
          timestamp: at,
        },
        metadata,
      });
    } else {
      events += 1;
      facts.push({
        type: "event.recorded",
        data: {
          eventId: fact,
          name: EVENT_NAMES[(k + events) % EVENT_NAMES.length] ?? "page_viewed",
          timestamp: at,
          properties: { fact, n: events, page: `/catalog/${(k * 7 + events) % 200}`, referrer: "newsletter" },
          internal: false,
        },
        metadata,
      });
    }
  }
  return facts;
}

/**
 * The facts of customers from…to−1 (one "active" group), each customer's in order, customers
 * interleaved at random, as concurrent customers' facts land in CHANGES.
 */
function interleavedFacts(from: number, to: number, backlog: Backlog, random: () => number): CustomerFact[] {
  const queues = Array.from({ length: to - from }, (_, i) => customerFacts(from + i, backlog));
  const next = new Array<number>(queues.length).fill(0);
  const live = queues.map((_, i) => i);
  const facts: CustomerFact[] = [];
  while (live.length > 0) {
    const pick = Math.floor(random() * live.length);
    const q = live[pick] ?? 0;
    const queue = queues[q] ?? [];
    facts.push(queue[next[q] ?? 0] as CustomerFact);
    next[q] = (next[q] ?? 0) + 1;
    if ((next[q] ?? 0) < queue.length) continue;
    live[pick] = live.at(-1) ?? 0;
    live.pop();
  }
  return facts;
}

/** Publishes every customer's facts into CHANGES, under their ids, and returns how long it took. */
async function publishBacklog(bench: Bench, customers: number): Promise<number> {
  const total = customers * FACTS_PER_CUSTOMER;
  const backlog: Backlog = {
    seqBase: bench.sharedNats ? (Number.parseInt(bench.tag, 16) % 1_000_000) * 1e9 : 0,
    // A millisecond apart, all in the past: Braze clamps future times.
    base: Date.now() - total - 60_000,
  };
  // Facts as the customer actors write them: the destination trusts their data (see readTrustedFact).
  for (const fact of customerFacts(0, backlog)) decodeFact(encodeFact(fact));
  const publisher = createFactPublisher(bench.link, 60_000);
  const random = randomFrom(20_260_101);
  let published = 0;
  const stopProgress = everyFewSeconds((elapsed) => err(`publish ${elapsed} s: ${fmt(published)}/${fmt(total)} facts`));
  const started = performance.now();
  try {
    for (let from = 0; from < customers; from += ACTIVE_CUSTOMERS) {
      const facts = interleavedFacts(from, Math.min(customers, from + ACTIVE_CUSTOMERS), backlog, random);
      for (let i = 0; i < facts.length; i += PUBLISH_CHUNK) {
        bench.signal.throwIfAborted();
        const chunk = facts.slice(i, i + PUBLISH_CHUNK);
        await publisher.publish(chunk.map(publisher.prepare));
        published += chunk.length;
      }
    }
    return performance.now() - started;
  } finally {
    stopProgress();
  }
}

// ---------------------------------------------------------------------------------------------
// Where the sync runs

/**
 * The Masivo process that syncs, and the CPU it has used so far (user and system, all its threads);
 * where it can be watched, its garbage collections from now on (`watchCollections`).
 */
type SyncProcess = {
  name: string;
  cpuMs: () => Promise<number>;
  peakRssBytes?: () => Promise<number>;
  watchCollections?: () => () => string;
};

/** Masivo's gateway and destinations in this process, beside the bench (its polling counts too: POLL_MS). */
const IN_THIS_PROCESS: SyncProcess = {
  name: "this process (Masivo)",
  cpuMs: async () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  },
  watchCollections,
};

const COLLECTION_KINDS: Record<number, string> = {
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: "scavenges",
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: "full",
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental marking",
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: "weak callbacks",
};

/**
 * This process's garbage collections until the returned function is called, which describes them:
 * how many of each kind and their pauses of the main thread (V8's helper threads are not seen).
 * Runs of the same code differ by their collector (how much survives, how many full collections)
 * as well as by the machine's speed (bench/README.md): this tells the two apart.
 */
function watchCollections(): () => string {
  const kinds = new Map<string, { count: number; ms: number }>();
  const count = (entries: PerformanceEntry[]) => {
    for (const entry of entries) {
      const kind = COLLECTION_KINDS[collectionKind(entry)] ?? "other";
      const seen = kinds.get(kind) ?? { count: 0, ms: 0 };
      kinds.set(kind, { count: seen.count + 1, ms: seen.ms + entry.duration });
    }
  };
  const observer = new PerformanceObserver((list) => count(list.getEntries()));
  observer.observe({ entryTypes: ["gc"] });
  return () => {
    count(observer.takeRecords());
    observer.disconnect();
    return [...Object.values(COLLECTION_KINDS), "other"]
      .flatMap((kind) => {
        const seen = kinds.get(kind);
        return seen ? [`${fmt(seen.count)} ${kind} (${fmt(Math.round(seen.ms))} ms)`] : [];
      })
      .join(", ");
  };
}

/** A `gc` entry's kind (`perf_hooks.constants.NODE_PERFORMANCE_GC_*`), in its `detail`, which Node's types leave out. */
function collectionKind(entry: PerformanceEntry): number {
  const detail: unknown = Reflect.get(entry, "detail");
  return typeof detail === "object" && detail !== null && "kind" in detail && typeof detail.kind === "number"
    ? detail.kind
    : -1;
}

/**
 * The destinations role in a process of its own (`--role-process 1`), as a Deployment runs it:
 * loading its own role's modules, with the Node options (the heap budget) of its Deployment.
 */
async function destinationsProcess(bench: Bench, options: Options): Promise<SyncProcess> {
  const role = await startRoleProcess(bench, "destinations", syncEnvironment(options));
  return { name: "the destinations process", cpuMs: role.cpuMs, peakRssBytes: role.peakRssBytes };
}

/** What the process that syncs is told, in either place. */
function syncEnvironment(options: Options): Record<string, string> {
  return {
    MASIVO_ALLOW_LOCAL_DESTINATIONS: "1",
    MASIVO_BRAZE_TRACK_LIMIT: String(options.trackLimit),
    // Passed on, so the two ways of planning can be compared on one machine.
    MASIVO_BRAZE_PLANNING_THREAD: process.env.MASIVO_BRAZE_PLANNING_THREAD || "auto",
  };
}

// ---------------------------------------------------------------------------------------------
// The fake Braze, as a process of its own

type Fake = {
  url: string;
  stats: () => Promise<FakeBrazeStats>;
  /** When the oldest track call the fake's log still holds arrived, by its clock (epoch ms). */
  firstTrackCallAt: () => Promise<number | undefined>;
  /** When the newest track call arrived, by its clock. */
  lastTrackCallAt: () => Promise<number | undefined>;
  /** Holds every /users/track call this long before answering it (a fault that stays). */
  delayTrackCalls: (ms: number) => Promise<void>;
};

/** Starts `fakes/braze/main.ts` on a free port with the real track limit; stopped by pid at the end. */
async function startFake(bench: Bench, trackLimit: number): Promise<Fake> {
  const main = fileURLToPath(new URL("../fakes/braze/main.ts", import.meta.url));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      ...["--port", "0", "--keys", API_KEY, "--batch-mode", "PER_TYPE"],
      ...["--count-duplicates", "1", "--keep-objects", "0"],
      ...["--track-limit", String(trackLimit), "--track-window-ms", String(TRACK_WINDOW_MS)],
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let stopping = false;
  bench.defer(async () => {
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  });
  const url = await new Promise<string>((resolve, reject) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const match = /listening on (http:\/\/\S+)/.exec(text);
      if (match?.[1]) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`the fake Braze exited (${code}) before listening: ${text}`)));
    setTimeout(() => reject(new Error(`the fake Braze did not listen within 30 s: ${text}`)), 30_000).unref();
  });
  child.once("exit", (code, signal) => {
    if (!stopping) err(`the fake Braze exited unexpectedly (${code ?? signal})`);
  });
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`GET ${path} on the fake Braze: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  const trackCallTimes = async (limit: string) =>
    (await get<{ requests: { time: number }[] }>(`/__fake/requests?path=/users/track${limit}`)).requests;
  return {
    url,
    stats: () => get<FakeBrazeStats>("/__fake/stats"),
    firstTrackCallAt: async () => (await trackCallTimes(""))[0]?.time,
    async delayTrackCalls(ms) {
      const fault = { path: "/users/track", kind: "timeout", holdMs: ms };
      const response = await fetch(`${url}/__fake/faults`, {
        method: "POST",
        body: JSON.stringify(fault),
        headers: { "content-type": "application/json" },
        signal: AbortSignal.timeout(30_000),
      });
      if (!response.ok) throw new Error(`POST /__fake/faults on the fake Braze: HTTP ${response.status}`);
    },
    lastTrackCallAt: async () => (await trackCallTimes("&limit=1"))[0]?.time,
  };
}

// ---------------------------------------------------------------------------------------------
// Main

const CONFIGURE = "mutation($i: BrazeInput!) { configureBraze(input: $i) { id status } }";

/** With NATS_URL set, an earlier run's consumer or open window of this integration must not be reused. */
async function forgetEarlierSync(bench: Bench) {
  const id = brazeIntegrationId(ACCOUNT);
  const jsm = await jetstreamManager(bench.link.nc);
  await jsm.consumers.delete(STREAM_NAMES.changes, consumerName(id)).catch(() => false);
  const progress = await new Kvm(bench.link.nc).create(PROGRESS_BUCKET, { history: 1 });
  await progress.delete(id).catch(() => undefined);
}

/**
 * With a path, profiles this thread (Masivo's event loop) from now until the returned stop, which
 * writes the profile there: the sync alone, without the publishing `node --cpu-prof` would include.
 */
async function startProfile(path: string | undefined): Promise<(() => Promise<void>) | undefined> {
  if (!path) return undefined;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    await writeFile(path, JSON.stringify(profile));
    err(`CPU profile of the sync written to ${path}`);
  };
}

const sum = (counts: Record<string, number> | undefined) =>
  Object.values(counts ?? {}).reduce((total, count) => total + count, 0);

async function run(bench: Bench, options: Options): Promise<BenchOutcome> {
  const { gql, signal } = bench;
  const { summary, failures, note } = startOutcome();
  const n = options.customers;
  const expected = {
    attributes: n * EXPECTED_PER_CUSTOMER.attributes,
    events: n * EXPECTED_PER_CUSTOMER.events,
    purchases: n * EXPECTED_PER_CUSTOMER.purchases,
  };
  const expectedObjects = sum(expected);

  const ceiling = (options.trackLimit * 1000) / TRACK_WINDOW_MS;
  const fake = await startFake(bench, options.trackLimit);
  if (options.latencyMs > 0) await fake.delayTrackCalls(options.latencyMs);
  err(
    `fake Braze (a process of its own) on ${fake.url}: PER_TYPE, ${fmt(options.trackLimit)} track calls per ${TRACK_WINDOW_MS} ms`,
  );
  if (bench.sharedNats) {
    await forgetEarlierSync(bench);
    bench.defer(() => forgetEarlierSync(bench));
  }

  // Configured but off: the integration exists (its consumer will start from now), nothing syncs yet.
  const settings = { restEndpoint: fake.url, apiKey: API_KEY, batchLimit: "PER_TYPE" };
  await gql(CONFIGURE, { i: { ...settings, enabled: false } }, signal);
  const sync = options.roleProcess ? await destinationsProcess(bench, options) : IN_THIS_PROCESS;
  const publishMs = await publishBacklog(bench, n);
  note(
    `backlog: ${fmt(n * FACTS_PER_CUSTOMER)} facts of ${fmt(n)} customers published into CHANGES in ` +
      `${seconds(publishMs)} s, making ${fmt(expectedObjects)} track objects (${fmt(expected.attributes)} attributes, ` +
      `${fmt(expected.events)} events, ${fmt(expected.purchases)} purchases)`,
  );

  const profiler = await startProfile(process.env.BENCH_CPU_PROFILE || undefined);
  const enabledAt = Date.now();
  const cpuBefore = await sync.cpuMs();
  const collections = sync.watchCollections?.();
  await gql(CONFIGURE, { i: { ...settings, enabled: true } }, signal);
  let stats: FakeBrazeStats | undefined;
  let firstCallAt: number | undefined;
  const received = () => sum(stats?.objects);
  const stopProgress = everyFewSeconds((elapsed) =>
    err(
      `sync ${elapsed} s: ${fmt(received())}/${fmt(expectedObjects)} objects in ${fmt(stats?.calls["/users/track"] ?? 0)} ` +
        `track calls, ${fmt(stats?.rateLimited ?? 0)} 429s, ${fmt(sum(stats?.duplicates))} duplicates`,
    ),
  );
  let lastChange = performance.now();
  try {
    for (;;) {
      const before = received();
      stats = await fake.stats();
      if (firstCallAt === undefined && (stats.calls["/users/track"] ?? 0) > 0)
        firstCallAt = await fake.firstTrackCallAt();
      const { objects } = stats;
      if (
        objects.attributes >= expected.attributes &&
        objects.events >= expected.events &&
        objects.purchases >= expected.purchases
      ) {
        break;
      }
      if (received() !== before) lastChange = performance.now();
      else if (performance.now() - lastChange > STALL_MS) {
        throw new Error(
          `no object reached the fake Braze for ${STALL_MS / 1000} s (${fmt(received())} of ${fmt(expectedObjects)})`,
        );
      }
      await sleep(POLL_MS, signal);
    }
  } finally {
    stopProgress();
  }
  const doneAt = Date.now();
  const cpuMs = (await sync.cpuMs()) - cpuBefore;
  const collected = collections?.();
  await profiler?.();
  const lastCallAt = await fake.lastTrackCallAt();

  // Anything still in flight (a resend) shows up once the consumer has acked the whole backlog.
  const jsm = await jetstreamManager(bench.link.nc);
  const consumer = consumerName(brazeIntegrationId(ACCOUNT));
  let unacked = Number.NaN;
  for (const started = performance.now(); performance.now() - started < 30_000; ) {
    const info = await jsm.consumers.info(STREAM_NAMES.changes, consumer);
    unacked = info.num_pending + info.num_ack_pending;
    if (unacked === 0) break;
    await sleep(100, signal);
  }
  stats = await fake.stats();
  const { integrations } = await gql<{ integrations: { status: string; lastError: string | null }[] }>(
    "query { integrations { status lastError } }",
    {},
    signal,
  );

  const trackCalls = (stats.calls["/users/track"] ?? 0) - stats.rateLimited;
  const objects = received();
  const duplicates = sum(stats.duplicates);
  const missing = expectedObjects - (objects - duplicates);
  const spanMs = firstCallAt !== undefined && lastCallAt !== undefined ? lastCallAt - firstCallAt : Number.NaN;
  // Calls per second between the first call's arrival and the last's: trackCalls − 1 intervals.
  const callsPerSecond = ((trackCalls - 1) * 1000) / spanMs;
  const share = callsPerSecond / ceiling;
  const objectsPerCall = objects / trackCalls;
  const cpuMsPerCall = cpuMs / trackCalls;
  note(
    `sync: ${fmt(objects)} objects in ${fmt(trackCalls)} /users/track calls; first call ` +
      `${seconds((firstCallAt ?? Number.NaN) - enabledAt)} s after enabling, last call ${seconds(spanMs)} s after the first, ` +
      `all objects at the fake ${seconds(doneAt - enabledAt)} s after enabling ` +
      `(${fmt((objects * 1000) / (doneAt - enabledAt))} objects/s overall); ${sync.name} used ` +
      `${seconds(cpuMs)} s of CPU meanwhile, ${cpuMsPerCall.toFixed(2)} ms a call` +
      (sync.peakRssBytes ? `, peak RSS ${fmt((await sync.peakRssBytes()) / 2 ** 20)} MB` : "") +
      (collected ? `; garbage collections meanwhile (main-thread pauses): ${collected}` : ""),
  );
  note(
    `fake Braze: ${fmt(stats.objects.attributes)} attributes, ${fmt(stats.objects.events)} events, ` +
      `${fmt(stats.objects.purchases)} purchases processed; statuses ${JSON.stringify(stats.statuses)}; ` +
      `integration ${integrations[0]?.status ?? "missing"}${integrations[0]?.lastError ? ` (${integrations[0].lastError})` : ""}`,
  );

  if (!(share >= GOAL_SHARE)) {
    failures.push(
      `${fmt(callsPerSecond)} calls/s is ${(share * 100).toFixed(1)}% of the ceiling; the goal is ${GOAL_SHARE * 100}%`,
    );
  }
  if (!(objectsPerCall >= GOAL_OBJECTS_PER_CALL)) {
    failures.push(`${objectsPerCall.toFixed(1)} objects per call; the goal is ${GOAL_OBJECTS_PER_CALL}`);
  }
  if (stats.rateLimited > 0) failures.push(`the fake answered ${stats.rateLimited} calls with 429`);
  if (duplicates > 0)
    failures.push(`${duplicates} objects arrived more than once (${JSON.stringify(stats.duplicates)})`);
  if (missing !== 0) failures.push(`${missing} objects are missing`);
  if (unacked !== 0)
    failures.push(`the consumer had ${unacked} facts not yet acked 30 s after the last object arrived`);
  if (integrations[0]?.status !== "HEALTHY")
    failures.push(`the integration is ${integrations[0]?.status ?? "missing"}`);

  const lastLine =
    `braze: ${Math.round(callsPerSecond)} calls/s (${(share * 100).toFixed(1)}% of the ${Number(ceiling.toFixed(1))} calls/s ceiling), ` +
    `${objectsPerCall.toFixed(1)} objects/call, ${stats.rateLimited} 429s, ${duplicates} duplicates, ` +
    `${cpuMsPerCall.toFixed(2)} ms CPU/call`;
  return { summary, lastLine, failures };
}

runBench({
  name: "bench:braze",
  parse: (argv, env) => parseOptions<keyof Options>("bench:braze", OPTION_SPECS, argv, env),
  header: (options) =>
    `${fmt(options.customers)} customers, ${fmt(options.customers * FACTS_PER_CUSTOMER)} facts straight into CHANGES, ` +
    `synced to the fake Braze in PER_TYPE at ${fmt(options.trackLimit)} track calls per 3 s` +
    (options.latencyMs > 0 ? `, answering each after ${fmt(options.latencyMs)} ms` : "") +
    (options.roleProcess ? ", by the destinations role in a process of its own" : ""),
  environment: (options) => ({
    MASIVO_ROLES: options.roleProcess ? "gateway" : "gateway,destinations",
    ...syncEnvironment(options),
  }),
  run,
});
