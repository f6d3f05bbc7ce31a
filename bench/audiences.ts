/**
 * `npm run bench:audiences`: how fast a RECALCULATE run goes through the customers of an account
 * (compared with the rate at which the same store merely scans them), and the latency from an
 * event's acceptance to the `ENTERED` fact it causes, at a steady load. See bench/README.md.
 */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import type { Msg } from "@nats-io/transport-node";
import { createCustomerState } from "../actors/customer/index.ts";
import { CUSTOMER_SCHEMA_VERSION } from "../model/index.ts";
import { compileRule, type Rule } from "../rules/index.ts";
import { CUSTOMERS_COLLECTION, type CustomerDocument, customerKey, type Store } from "../store/index.ts";
import { subjects } from "../streams/index.ts";
import {
  type Bench,
  type BenchOutcome,
  callSizeFor,
  diagnoseStore,
  type EventInput,
  err,
  everyFewSeconds,
  fmt,
  type OptionSpec,
  offerAtRate,
  parseOptions,
  quantile,
  runBench,
  STALL_MS,
  seconds,
  sleep,
  startOutcome,
  trackEvents,
  UsageError,
  untilWrittenBehind,
} from "./support.ts";

// ---------------------------------------------------------------------------------------------
// Options and constants

type Options = { customers: number; rate: number; realtimeSeconds: number };

const OPTION_SPECS: readonly OptionSpec<keyof Options>[] = [
  { key: "customers", flag: "--customers", env: "BENCH_CUSTOMERS", fallback: 100_000, min: 100, max: 10_000_000 },
  { key: "rate", flag: "--rate", env: "BENCH_RATE", fallback: 200, min: 1, max: 10_000 },
  {
    key: "realtimeSeconds",
    flag: "--realtime-seconds",
    env: "BENCH_REALTIME_SECONDS",
    fallback: 20,
    min: 1,
    max: 3_600,
  },
];

const ACCOUNT = "default";
/** Customer `c-<k>` has `attributes.score` k mod 100: the rule matches half of them. */
const HALF_RULE: Rule = { attribute: "attributes.score", op: "lt", value: 50 };
const SIGNAL = "BENCH_SIGNAL";
const SIGNAL_RULE: Rule = { event: SIGNAL, within: { days: 1 } };
const TIERS = ["BRONZE", "SILVER", "GOLD"] as const;
/** Customer documents per insertMany while building the account. */
const INSERT_CHUNK = 1_000;
const P99_GOAL_MS = 250;
/** "The same order": a recalculation goes through customers at least a tenth as fast as the store scans ids. */
const SCAN_ORDER = 10;
/** After the last event is offered, how long without a new ENTERED fact before the rest count as missing. */
const ENTERED_QUIET_MS = 30_000;
/**
 * The bench's audiences sweep once a year (January 1st): an hourly sweep (the default) would start
 * whenever a run crosses the hour and scan the whole account again in the middle of a measurement.
 */
const SWEEP_SCHEDULE = "0 0 1 1 *";
const RUN_FIELDS = "id status total processed entered exited unchanged errorCount errors startedAt finishedAt";

const isMatch = (k: number) => k % 100 < 50;
/** How many of customers 0…n−1 the half rule matches. */
const matchingOf = (n: number) => Math.floor(n / 100) * 50 + Math.min(n % 100, 50);
/** The i-th customer the half rule does not match (so the recalculation never touches it): k mod 100 ≥ 50. */
const untouchedAt = (i: number) => Math.floor(i / 50) * 100 + 50 + (i % 50);
/** The inverse of `untouchedAt`; −1 for a customer the rule matches. */
const untouchedIndexOf = (k: number) => (isMatch(k) ? -1 : Math.floor(k / 100) * 50 + (k % 100) - 50);

function parse(argv: string[], env: Record<string, string | undefined>): Options {
  const options = parseOptions<keyof Options>("bench:audiences", OPTION_SPECS, argv, env);
  const planned = options.rate * options.realtimeSeconds;
  const untouched = options.customers - matchingOf(options.customers);
  if (planned > untouched) {
    throw new UsageError(
      `--rate × --realtime-seconds (${fmt(planned)} events, one per customer) must not exceed the ` +
        `${fmt(untouched)} customers the recalculation leaves alone; raise --customers or lower the others`,
    );
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Building the account, and the store's raw scan

function customerDocument(k: number, now: string): CustomerDocument {
  const customerId = `c-${k}`;
  return {
    _id: customerKey(ACCOUNT, customerId),
    version: 1,
    lastSeq: 0,
    deleted: false,
    schemaVersion: CUSTOMER_SCHEMA_VERSION,
    status: "active",
    ...createCustomerState({ account: ACCOUNT, customerId, now }),
    profile: { tier: TIERS[k % TIERS.length] },
    attributes: { score: k % 100 },
  };
}

/** Inserts customers c-0…c-(n−1) straight into the store; the actors load them on first use. */
async function buildCustomers(store: Store, n: number, signal: AbortSignal) {
  const collection = store.db.collection<CustomerDocument>(CUSTOMERS_COLLECTION);
  const now = new Date().toISOString();
  let inserted = 0;
  const stopProgress = everyFewSeconds((elapsed) => err(`build ${elapsed} s: ${fmt(inserted)}/${fmt(n)} customers`));
  const started = performance.now();
  try {
    for (let from = 0; from < n; from += INSERT_CHUNK) {
      signal.throwIfAborted();
      const documents: CustomerDocument[] = [];
      for (let k = from; k < Math.min(n, from + INSERT_CHUNK); k++) documents.push(customerDocument(k, now));
      await collection.insertMany(documents, { ordered: false });
      inserted += documents.length;
    }
    return performance.now() - started;
  } finally {
    stopProgress();
  }
}

/** Reads a cursor to its end: how many documents, and how long. */
async function timeScan(label: string, cursor: AsyncIterable<unknown>) {
  let documents = 0;
  const stopProgress = everyFewSeconds((elapsed) => err(`${label} ${elapsed} s: ${fmt(documents)} documents`));
  const started = performance.now();
  try {
    for await (const _ of cursor) documents += 1;
    const ms = performance.now() - started;
    return { documents, ms, rate: (documents * 1000) / ms };
  } finally {
    stopProgress();
  }
}

/**
 * The store alone, with the cursor options the run uses (the driver's defaults): every customer
 * of the account as ids (the shape a recalculation reads), as whole documents, and the run's own
 * query for the half rule (which also counts the customers it must enter).
 */
async function rawScans(store: Store) {
  const customers = store.db.collection<CustomerDocument>(CUSTOMERS_COLLECTION);
  const ids = await timeScan("raw scan (ids)", customers.find({ account: ACCOUNT }, { projection: { customerId: 1 } }));
  const documents = await timeScan("raw scan (documents)", customers.find({ account: ACCOUNT }));
  const query = { $and: [{ account: ACCOUNT }, { deleted: false }, compileRule(HALF_RULE, new Date())] };
  const matching = await timeScan(
    "raw scan (the run's query)",
    customers.find(query, { projection: { customerId: 1 } }),
  );
  return { ids, documents, matching };
}

// ---------------------------------------------------------------------------------------------
// Audiences and their runs

type Run = {
  id: string;
  status: "RUNNING" | "DONE" | "FAILED";
  total: number;
  processed: number;
  entered: number;
  exited: number;
  unchanged: number;
  errorCount: number;
  errors: string[];
  startedAt: string;
  finishedAt: string | null;
};

/**
 * Creates a RULES audience and follows its first RECALCULATE run to DONE; the time is the run's
 * `finishedAt` (the gateway's clock, in this process) minus the moment the mutation was sent.
 */
async function createAndRecalculate(bench: Bench, label: string, name: string, rules: Rule) {
  const { gql, signal } = bench;
  const sentAt = Date.now();
  const { createAudience } = await gql<{ createAudience: { id: string; runs: { id: string }[] } }>(
    "mutation($i: AudienceInput!) { createAudience(input: $i) { id runs { id } } }",
    { i: { name, rules, sweepSchedule: SWEEP_SCHEDULE } },
    signal,
  );
  const runId = createAudience.runs[0]?.id;
  if (!runId) throw new Error(`${label}: audience ${createAudience.id} was created without a run`);

  let run: Run | undefined;
  let last = "";
  let lastChange = performance.now();
  const stopProgress = everyFewSeconds((elapsed) =>
    err(
      `${label} ${elapsed} s: ${run?.status ?? "?"}, sent ${fmt(run?.total ?? 0)}, counted ${fmt(run?.processed ?? 0)} ` +
        `(entered ${fmt(run?.entered ?? 0)}, exited ${fmt(run?.exited ?? 0)}, unchanged ${fmt(run?.unchanged ?? 0)})`,
    ),
  );
  try {
    for (;;) {
      const data = await gql<{ audienceRun: Run | null }>(
        `query($id: ID!) { audienceRun(id: $id) { ${RUN_FIELDS} } }`,
        { id: runId },
        signal,
      );
      run = data.audienceRun ?? undefined;
      if (!run) throw new Error(`${label}: run ${runId} is gone`);
      if (run.status === "FAILED") throw new Error(`${label}: run ${runId} FAILED: ${run.errors.join("; ")}`);
      if (run.status === "DONE" && run.finishedAt) break;
      const now = `${run.total}/${run.processed}`;
      if (now !== last) {
        last = now;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > STALL_MS) {
        throw new Error(
          `${label}: no progress for ${STALL_MS / 1000} s (sent ${run.total}, counted ${run.processed}); ` +
            (await diagnoseStore(bench.store)),
        );
      }
      await sleep(250, signal);
    }
  } finally {
    stopProgress();
  }
  return { audienceId: createAudience.id, run, elapsedMs: Date.parse(run.finishedAt) - sentAt };
}

/** How many of the account's customer documents record the membership. */
async function storedMembers(store: Store, audienceId: string): Promise<number> {
  const cursor = store.db
    .collection<CustomerDocument>(CUSTOMERS_COLLECTION)
    .find({ account: ACCOUNT }, { projection: { memberships: 1 } });
  let members = 0;
  for await (const document of cursor) {
    const memberships = (document as { memberships?: { audienceId: string }[] }).memberships ?? [];
    if (memberships.some((m) => m.audienceId === audienceId)) members += 1;
  }
  return members;
}

// ---------------------------------------------------------------------------------------------
// Real time

const decoder = new TextDecoder();

function decode(message: Msg): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(decoder.decode(message.data));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Event i goes to the i-th customer the recalculation left alone: one event per customer. */
function signalEvent(i: number, tag: string): EventInput {
  return { id: `signal-${tag}-${i}`, customerId: `c-${untouchedAt(i)}`, name: SIGNAL, properties: { n: i } };
}

/** The event index of a customer id, or −1 when it is none of the planned ones. */
function eventIndexOf(customerId: unknown, planned: number): number {
  if (typeof customerId !== "string" || !customerId.startsWith("c-")) return -1;
  const i = untouchedIndexOf(Number(customerId.slice(2)));
  return Number.isInteger(i) && i >= 0 && i < planned ? i : -1;
}

/**
 * Offers one SIGNAL event per customer at `rate` per second and stamps, per customer, the
 * command's `acceptedAt` (read off INGEST with a core subscription) and the arrival of its
 * ENTERED fact (a core subscription to the audience's CHANGES subject).
 */
async function realtimePhase(bench: Bench, options: Options, audienceId: string) {
  const { link, gql, signal, tag } = bench;
  const planned = options.rate * options.realtimeSeconds;
  const acceptedAt = new Float64Array(planned).fill(Number.NaN);
  const enteredAt = new Float64Array(planned).fill(Number.NaN);
  const appliedAt = new Float64Array(planned).fill(Number.NaN);
  let accepted = 0;
  let entered = 0;
  let duplicates = 0;
  let unexpected = 0;
  let lastEnteredAt = performance.now();

  const commands = link.nc.subscribe(`in.${ACCOUNT}.*`, {
    callback: (_error, message) => {
      const command = decode(message);
      const data = command?.data as { name?: unknown } | undefined;
      const metadata = command?.metadata as { customerId?: unknown; acceptedAt?: unknown } | undefined;
      if (command?.type !== "event.track" || data?.name !== SIGNAL || typeof metadata?.acceptedAt !== "string") return;
      const i = eventIndexOf(metadata.customerId, planned);
      if (i < 0 || !Number.isNaN(acceptedAt[i])) return;
      acceptedAt[i] = Date.parse(metadata.acceptedAt);
      accepted += 1;
    },
  });
  const facts = link.nc.subscribe(subjects.change(ACCOUNT, `membership.${audienceId}`), {
    callback: (_error, message) => {
      const at = Date.now();
      const fact = decode(message);
      const data = fact?.data as { change?: unknown } | undefined;
      const metadata = fact?.metadata as { customerId?: unknown; at?: unknown } | undefined;
      if (fact?.type !== "membership.changed" || data?.change !== "ENTERED") return;
      const i = eventIndexOf(metadata?.customerId, planned);
      if (i < 0) unexpected += 1;
      else if (!Number.isNaN(enteredAt[i])) duplicates += 1;
      else {
        enteredAt[i] = at;
        appliedAt[i] = typeof metadata?.at === "string" ? Date.parse(metadata.at) : Number.NaN;
        entered += 1;
        lastEnteredAt = performance.now();
      }
    },
  });
  // Masivo runs in this process: a stalled event loop delays every step of the path.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let offeredCount = 0;
  const stopProgress = everyFewSeconds((elapsed) =>
    err(
      `realtime ${elapsed} s: offered ${fmt(offeredCount)}/${fmt(planned)}, seen on INGEST ${fmt(accepted)}, ` +
        `entered ${fmt(entered)}`,
    ),
  );
  try {
    const size = callSizeFor(options.rate);
    const offered = await offerAtRate({
      rate: options.rate,
      planned,
      size,
      signal,
      send: async (from, to) => {
        const events: EventInput[] = [];
        for (let i = from; i < to; i++) events.push(signalEvent(i, tag));
        offeredCount += events.length;
        await trackEvents(gql, events, signal);
      },
    });
    lastEnteredAt = Math.max(lastEnteredAt, performance.now());
    while (entered < planned && performance.now() - lastEnteredAt < ENTERED_QUIET_MS) await sleep(20, signal);
    loopDelay.disable();

    const latencies: number[] = [];
    const toApplied: number[] = [];
    const missing: string[] = [];
    let unstamped = 0;
    for (let i = 0; i < planned; i++) {
      const enteredOne = enteredAt[i] ?? Number.NaN;
      const acceptedOne = acceptedAt[i] ?? Number.NaN;
      if (Number.isNaN(enteredOne)) missing.push(`c-${untouchedAt(i)}`);
      else if (Number.isNaN(acceptedOne)) unstamped += 1;
      else {
        latencies.push(Math.max(0, enteredOne - acceptedOne));
        toApplied.push(Math.max(0, (appliedAt[i] ?? acceptedOne) - acceptedOne));
      }
    }
    const sorted = Float64Array.from(latencies).sort();
    const appliedSorted = Float64Array.from(toApplied).sort();
    return {
      planned,
      size,
      offeredRate: offered.offeredRate,
      maxInFlight: offered.maxInFlight,
      measured: sorted.length,
      missing,
      unstamped,
      duplicates,
      unexpected,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: quantile(sorted, 1),
      appliedP99: quantile(appliedSorted, 0.99),
      ackP50: quantile(offered.acks, 0.5),
      ackP99: quantile(offered.acks, 0.99),
      loopDelayP99: loopDelay.percentile(99) / 1e6,
      loopDelayMax: loopDelay.max / 1e6,
      heapMB: process.memoryUsage().heapUsed / 2 ** 20,
    };
  } finally {
    loopDelay.disable();
    stopProgress();
    commands.unsubscribe();
    facts.unsubscribe();
  }
}

// ---------------------------------------------------------------------------------------------
// Main

async function run(bench: Bench, options: Options): Promise<BenchOutcome> {
  const { store } = bench;
  const { summary, failures, note } = startOutcome();
  const n = options.customers;

  const buildMs = await buildCustomers(store, n, bench.signal);
  note(
    `build: ${fmt(n)} customers inserted straight into the store in ${seconds(buildMs)} s ` +
      `(${fmt((n * 1000) / buildMs)}/s, insertMany of ${fmt(INSERT_CHUNK)})`,
  );

  const raw = await rawScans(store);
  if (raw.ids.documents !== n) failures.push(`the raw scan found ${raw.ids.documents} customers; ${n} were inserted`);
  const expected = raw.matching.documents;
  if (expected !== matchingOf(n)) failures.push(`the run's query found ${expected} customers; ${matchingOf(n)} match`);

  const recalc = await createAndRecalculate(bench, "recalculation", `bench-half-${bench.tag}`, HALF_RULE);
  const recalcRate = (n * 1000) / recalc.elapsedMs;
  const slower = raw.ids.rate / recalcRate;
  const { run: half } = recalc;
  note(
    `recalculation: ${fmt(n)} customers (rule attributes.score < 50) in ${seconds(recalc.elapsedMs)} s from the ` +
      `mutation to DONE, ${fmt(recalcRate)} customers/s, ${slower.toFixed(1)}× slower than the store's raw id scan ` +
      `(goal: within ${SCAN_ORDER}×); sent ${fmt(half.total)} audience.evaluate, entered ${fmt(half.entered)}, ` +
      `exited ${fmt(half.exited)}, unchanged ${fmt(half.unchanged)} (${fmt(expected)} match); the run's query alone ` +
      `takes ${seconds(raw.matching.ms)} s`,
  );
  if (half.total !== expected || half.entered !== expected || half.exited !== 0 || half.unchanged !== 0) {
    failures.push(
      `the recalculation sent ${half.total} commands and entered ${half.entered} (exited ${half.exited}, ` +
        `unchanged ${half.unchanged}); ${expected} customers match and none was a member`,
    );
  }

  const signalAudience = await createAndRecalculate(bench, "event audience", `bench-signal-${bench.tag}`, SIGNAL_RULE);
  note(
    `event audience (${SIGNAL} within 1 day): its first run over ${fmt(n)} customers (none matches yet) took ` +
      `${seconds(signalAudience.elapsedMs)} s${store.isFerretDB ? " (on FerretDB event rules are evaluated in memory over whole documents)" : ""}`,
  );

  err("waiting for the customer documents behind the recalculation…");
  const drainMs = await untilWrittenBehind(bench, ACCOUNT);
  const stored = await storedMembers(store, recalc.audienceId);
  note(
    `write-behind: the customer documents were written through the last command ${seconds(drainMs)} s after the ` +
      `event audience's run; ${fmt(stored)} of them record the membership`,
  );
  if (stored !== expected) failures.push(`${stored} customer documents record the membership; ${expected} entered`);

  const realtime = await realtimePhase(bench, options, signalAudience.audienceId);
  note(
    `realtime: ${fmt(realtime.planned)} ${SIGNAL} events offered at ${fmt(realtime.offeredRate)}/s in calls of ` +
      `${realtime.size} (at most ${realtime.maxInFlight} in flight), one per customer the recalculation left alone; ` +
      `acceptance (the gateway's stamp) → ENTERED fact received: p50 ${fmt(realtime.p50)} ms, ` +
      `p99 ${fmt(realtime.p99)} ms, max ${fmt(realtime.max)} ms over ${fmt(realtime.measured)} events ` +
      `(→ applied, the fact's own time: p99 ${fmt(realtime.appliedP99)} ms); ` +
      `Ack round trip p50 ${fmt(realtime.ackP50)} ms, p99 ${fmt(realtime.ackP99)} ms; this process's event loop ` +
      `delay p99 ${fmt(realtime.loopDelayP99)} ms, max ${fmt(realtime.loopDelayMax)} ms, heap ${fmt(realtime.heapMB)} MB`,
  );
  if (realtime.duplicates + realtime.unexpected > 0) {
    note(`note: ${realtime.duplicates} ENTERED facts arrived twice and ${realtime.unexpected} for other customers`);
  }
  if (realtime.missing.length > 0) {
    failures.push(
      `${realtime.missing.length} of ${realtime.planned} ${SIGNAL} events got no ENTERED fact within ` +
        `${ENTERED_QUIET_MS / 1000} s of the last one (${realtime.missing.slice(0, 5).join(", ")}` +
        `${realtime.missing.length > 5 ? ", …" : ""})`,
    );
  }
  if (realtime.unstamped > 0) {
    failures.push(`${realtime.unstamped} ENTERED facts came for events whose command was not seen on INGEST`);
  }
  if (!(realtime.p99 <= P99_GOAL_MS)) failures.push(`realtime p99 ${fmt(realtime.p99)} ms exceeds ${P99_GOAL_MS} ms`);
  if (!(slower <= SCAN_ORDER)) {
    failures.push(
      `the recalculation (${fmt(recalcRate)} customers/s) is ${slower.toFixed(1)}× slower than the store's raw id ` +
        `scan (${fmt(raw.ids.rate)} docs/s), not within ${SCAN_ORDER}×`,
    );
  }

  summary.push(`store raw scan: ${fmt(raw.ids.rate)} docs/s (ids), ${fmt(raw.documents.rate)} docs/s (documents)`);
  const lastLine =
    `audiences: recalc ${n} customers in ${seconds(recalc.elapsedMs)} s (${Math.round(recalcRate)}/s), ` +
    `realtime p99 ${Math.round(realtime.p99)} ms`;
  return { summary, lastLine, failures };
}

runBench({
  name: "bench:audiences",
  parse,
  header: (options) =>
    `${fmt(options.customers)} customers, real time at ${fmt(options.rate)} events/s for ${options.realtimeSeconds} s`,
  run,
});
