/**
 * `npm run bench:ingest`: how many events per second Masivo applies end to end (GraphQL
 * `trackEvents` → INGEST → customer actors → CHANGES + customer documents), how that compares
 * with the raw rate at which the same store accepts document writes, and the accept-to-applied
 * latency at half the end-to-end rate. See bench/README.md.
 */
import { performance } from "node:perf_hooks";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import type { AnyBulkWriteOperation, Document } from "mongodb";
import { createCustomerState } from "../actors/customer/index.ts";
import { CUSTOMER_SCHEMA_VERSION } from "../model/index.ts";
import { CUSTOMERS_COLLECTION, type CustomerDocument, customerKey, type Store } from "../store/index.ts";
import { type NatsLink, STREAM_NAMES, subjects } from "../streams/index.ts";
import {
  type Bench,
  type BenchOutcome,
  callSizeFor,
  diagnoseStore,
  type EventInput,
  err,
  everyFewSeconds,
  fmt,
  type GraphQL,
  type OptionSpec,
  offerAtRate,
  parseOptions,
  quantile,
  runBench,
  STALL_MS,
  sleep,
  trackEvents,
} from "./support.ts";

// ---------------------------------------------------------------------------------------------
// Options

type Options = {
  customers: number;
  events: number;
  batch: number;
  concurrency: number;
  latencySeconds: number;
};

const OPTION_SPECS: readonly OptionSpec<keyof Options>[] = [
  { key: "customers", flag: "--customers", env: "BENCH_CUSTOMERS", fallback: 10_000, min: 1, max: 10_000_000 },
  { key: "events", flag: "--events", env: "BENCH_EVENTS", fallback: 200_000, min: 1, max: 100_000_000 },
  { key: "batch", flag: "--batch", env: "BENCH_BATCH", fallback: 1_000, min: 1, max: 1_000 },
  { key: "concurrency", flag: "--concurrency", env: "BENCH_CONCURRENCY", fallback: 4, min: 1, max: 256 },
  { key: "latencySeconds", flag: "--latency-seconds", env: "BENCH_LATENCY_SECONDS", fallback: 20, min: 1, max: 3_600 },
];

// ---------------------------------------------------------------------------------------------
// Constants

/** Documents per bulkWrite when measuring the store's raw rate. */
const RAW_BULK = 1_000;
const RAW_COLLECTION = "bench_raw_writes";
/**
 * FerretDB v1.24 (SQLite) keeps the query of every statement of an `update` command open until
 * the whole command ends, and a database's SQLite pool has 100 connections: update commands that
 * hold ~100 such queries at once (one command of ~100 statements matching existing documents, or
 * several smaller ones at the same time) wait for a connection forever, and the database stops
 * answering. Raw writes to FerretDB therefore go in commands of at most this many statements.
 */
const FERRETDB_UPDATES_PER_COMMAND = 50;
const EVENT_NAMES = ["app_open", "page_view", "product_view", "add_to_cart", "search"] as const;
const SCREENS = ["home", "catalog", "checkout"] as const;
const WARMUP_CUSTOMER = "bench-warmup";

// ---------------------------------------------------------------------------------------------
// Events and their tracking

/** Event `n` (0-based, counted across both phases): customers round-robin, names rotate per round. */
function eventAt(n: number, prefix: string, customers: number): EventInput {
  const round = Math.floor(n / customers);
  return {
    id: `${prefix}${n}`,
    customerId: `c-${n % customers}`,
    name: EVENT_NAMES[round % EVENT_NAMES.length] ?? "app_open",
    properties: { screen: SCREENS[n % SCREENS.length] ?? "home", value: n % 100, source: "bench" },
  };
}

/** When each of a range of events was acknowledged by the gateway and seen applied (0: not yet). */
class Tracker {
  readonly ackAt: Float64Array;
  readonly appliedAt: Float64Array;
  /** Milliseconds from the gateway's acceptance (the event's default timestamp) to the fact's arrival. */
  readonly acceptToApplied: Float64Array;
  accepted = 0;
  applied = 0;
  duplicates = 0;
  lastAppliedAt = 0;
  readonly base: number;
  readonly size: number;
  constructor(base: number, size: number) {
    this.base = base;
    this.size = size;
    this.ackAt = new Float64Array(size);
    this.appliedAt = new Float64Array(size);
    this.acceptToApplied = new Float64Array(size);
  }
  holds(n: number) {
    return n >= this.base && n < this.base + this.size;
  }
  markApplied(n: number, at: number, acceptToApplied: number) {
    const i = n - this.base;
    if (this.appliedAt[i] !== 0) {
      this.duplicates += 1;
      return;
    }
    this.appliedAt[i] = at;
    this.acceptToApplied[i] = acceptToApplied;
    this.applied += 1;
    this.lastAppliedAt = at;
  }
  markAcked(from: number, to: number, at: number) {
    this.ackAt.fill(at, from - this.base, to - this.base);
    this.accepted += to - from;
  }
}

const decoder = new TextDecoder();

/**
 * The client event id of an `event.recorded` fact that is not internal (REGISTRATION is), and its
 * timestamp: the bench sends none, so it is the moment the gateway accepted the event.
 */
function clientEventOf(payload: Uint8Array): { eventId: string; acceptedAt: number } | undefined {
  const fact: unknown = JSON.parse(decoder.decode(payload));
  if (typeof fact !== "object" || fact === null) return undefined;
  const { type, data } = fact as { type?: unknown; data?: unknown };
  if (type !== "event.recorded" || typeof data !== "object" || data === null) return undefined;
  const { eventId, internal, timestamp } = data as { eventId?: unknown; internal?: unknown; timestamp?: unknown };
  if (internal !== false || typeof eventId !== "string" || typeof timestamp !== "string") return undefined;
  return { eventId, acceptedAt: Date.parse(timestamp) };
}

/**
 * Follows `chg.<account>.event` from now on with an ordered consumer (only facts JetStream
 * stored, so a republished duplicate is not counted twice) and stamps each event's arrival.
 */
async function watchAppliedEvents(link: NatsLink, account: string, prefix: string, trackers: Tracker[]) {
  const js = jetstream(link.nc);
  const consumer = await js.consumers.get(STREAM_NAMES.changes, {
    filter_subjects: [subjects.change(account, "event")],
    deliver_policy: DeliverPolicy.New,
  });
  const messages = await consumer.consume({ max_messages: 2_000 });
  const seen = new Set<string>();
  const done = (async () => {
    for await (const message of messages) {
      const at = performance.now();
      const arrivedAt = Date.now();
      const event = clientEventOf(message.data);
      if (event === undefined) continue;
      const { eventId } = event;
      if (!eventId.startsWith(prefix)) {
        seen.add(eventId);
        continue;
      }
      const n = Number(eventId.slice(prefix.length));
      trackers.find((tracker) => tracker.holds(n))?.markApplied(n, at, Math.max(0, arrivedAt - event.acceptedAt));
    }
  })();
  let stopped: Promise<void> | undefined;
  return {
    /** Ids of other events seen (the warm-up). */
    seen,
    stop: () => {
      stopped ??= (async () => {
        messages.stop();
        await done.catch(() => undefined);
      })();
      return stopped;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Phases

type Context = {
  options: Options;
  gql: GraphQL;
  prefix: string;
  signal: AbortSignal;
  /** Says what may be wrong when nothing is applied any more. */
  diagnose: () => Promise<string>;
};

/** Waits until `tracker` has `expected` events applied; fails when none arrives for STALL_MS. */
async function untilApplied(tracker: Tracker, expected: number, what: string, ctx: Context) {
  let last = tracker.applied;
  let lastChange = performance.now();
  while (tracker.applied < expected) {
    await sleep(20, ctx.signal);
    if (tracker.applied !== last) {
      last = tracker.applied;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > STALL_MS) {
      throw new Error(
        `${what}: stalled at ${tracker.applied}/${expected} events applied for ${STALL_MS / 1000} s; ${await ctx.diagnose()}`,
      );
    }
  }
}

function progress(label: string, tracker: Tracker, total: number) {
  let previous = { at: performance.now(), applied: tracker.applied };
  return everyFewSeconds((elapsed) => {
    const now = performance.now();
    const rate = ((tracker.applied - previous.applied) * 1000) / (now - previous.at);
    previous = { at: now, applied: tracker.applied };
    err(
      `${label} ${elapsed} s: accepted ${fmt(tracker.accepted)}/${fmt(total)}, ` +
        `applied ${fmt(tracker.applied)}/${fmt(total)}, ${fmt(rate)} events/s applied`,
    );
  });
}

/** Phase 1: all M events in batches of B, C calls in flight; events/s = M ÷ (first send → last applied). */
async function throughputPhase(ctx: Context, tracker: Tracker) {
  const { events, batch, concurrency, customers } = ctx.options;
  const stopProgress = progress("throughput", tracker, events);
  try {
    let next = 0;
    const started = performance.now();
    const sender = async () => {
      while (next < events) {
        const from = next;
        const to = Math.min(events, from + batch);
        next = to;
        const list: EventInput[] = [];
        for (let n = from; n < to; n++) list.push(eventAt(n, ctx.prefix, customers));
        await trackEvents(ctx.gql, list, ctx.signal);
        tracker.markAcked(from, to, performance.now());
      }
    };
    await Promise.all(Array.from({ length: concurrency }, sender));
    const acceptedIn = performance.now() - started;
    await untilApplied(tracker, events, "throughput phase", ctx);
    const elapsed = tracker.lastAppliedAt - started;
    return { elapsedMs: elapsed, acceptedMs: acceptedIn, rate: (events * 1000) / elapsed };
  } finally {
    stopProgress();
  }
}

/**
 * Phase 2: offers events at `rate` per second for S seconds in small calls on a timer, without
 * waiting for earlier calls (open loop). Latency = fact arrival − the gateway's acceptance stamp.
 */
async function latencyPhase(ctx: Context, tracker: Tracker, rate: number, planned: number) {
  const { customers } = ctx.options;
  const size = callSizeFor(rate);
  const stopProgress = progress("latency", tracker, planned);
  try {
    const offered = await offerAtRate({
      rate,
      planned,
      size,
      signal: ctx.signal,
      send: async (from, to) => {
        const list: EventInput[] = [];
        for (let n = tracker.base + from; n < tracker.base + to; n++) list.push(eventAt(n, ctx.prefix, customers));
        await trackEvents(ctx.gql, list, ctx.signal);
        tracker.markAcked(tracker.base + from, tracker.base + to, performance.now());
      },
    });
    await untilApplied(tracker, planned, "latency phase", ctx);

    const latencies = Float64Array.from(tracker.acceptToApplied.subarray(0, planned)).sort();
    let appliedBeforeAck = 0;
    for (let i = 0; i < planned; i++) {
      if ((tracker.appliedAt[i] ?? 0) < (tracker.ackAt[i] ?? 0)) appliedBeforeAck += 1;
    }
    return {
      size,
      offeredRate: offered.offeredRate,
      maxInFlight: offered.maxInFlight,
      appliedBeforeAck,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: quantile(latencies, 1),
      ackP50: quantile(offered.acks, 0.5),
      ackP99: quantile(offered.acks, 0.99),
    };
  } finally {
    stopProgress();
  }
}

/**
 * Reads the customer documents back until they count every event: the actors write customers
 * behind the facts, so the store catches up after the last fact; how long that takes is reported.
 */
async function verifyStore(store: Store, expectedEvents: number, signal: AbortSignal) {
  const names = new Set<string>(EVENT_NAMES);
  const started = performance.now();
  const deadline = started + 300_000;
  for (;;) {
    let counted = 0;
    let bytes = 0;
    let documents = 0;
    const cursor = store.db.collection<Document>(CUSTOMERS_COLLECTION).find({ customerId: { $ne: WARMUP_CUSTOMER } });
    for await (const document of cursor) {
      documents += 1;
      bytes += Buffer.byteLength(JSON.stringify(document));
      const stats: unknown = document.stats;
      if (!Array.isArray(stats)) continue;
      for (const stat of stats as { name?: unknown; count?: unknown }[]) {
        if (typeof stat.name === "string" && names.has(stat.name) && typeof stat.count === "number")
          counted += stat.count;
      }
    }
    if (counted === expectedEvents) {
      return { documents, averageBytes: bytes / Math.max(1, documents), caughtUpMs: performance.now() - started };
    }
    if (performance.now() > deadline)
      throw new Error(`the customer documents count ${counted} events; ${expectedEvents} were applied`);
    err(`  the store counts ${fmt(counted)} of ${fmt(expectedEvents)} events; waiting for the writes behind`);
    await sleep(2_000, signal);
  }
}

/**
 * A customer document as the worker writes it after 20 events (4 of each name) — the default
 * run's events per customer — about 1.9 KB of JSON, whatever the run's own sizes.
 */
function rawDocument(k: number, customers: number, now: number): CustomerDocument {
  const at = (hoursAgo: number) => new Date(now - hoursAgo * 3_600_000).toISOString();
  const customerId = `c-${k}`;
  return {
    ...createCustomerState({ account: "default", customerId, now: at(100) }),
    _id: customerKey("default", customerId),
    version: 21,
    lastSeq: 0,
    deleted: false,
    schemaVersion: CUSTOMER_SCHEMA_VERSION,
    status: "active",
    updatedAt: at(0),
    stats: EVENT_NAMES.map((name, j) => {
      const recent = [0, 1, 2, 3].map((i) => at(j * 4 + i));
      return {
        name,
        count: 4,
        firstAt: recent[3] ?? at(0),
        lastAt: recent[0] ?? at(0),
        daily: { [at(0).slice(0, 10)]: 4 },
        recent,
      };
    }),
    recentEventIds: Array.from({ length: 20 }, (_, i) => `e-${k + i * customers}`),
  };
}

/**
 * The store's raw rate: M `replaceOne({ _id }, doc, { upsert: true })` writes over N customer
 * documents (`rawDocument`), in sequential unordered bulks of RAW_BULK; the first write of each
 * document inserts it, the later ones replace it with its version bumped. On FerretDB each bulk
 * goes as bulkWrites of at most FERRETDB_UPDATES_PER_COMMAND statements (see there).
 */
async function rawStorePhase(store: Store, customers: number, writes: number) {
  const collection = store.db.collection<CustomerDocument>(RAW_COLLECTION);
  const perCommand = store.isFerretDB ? FERRETDB_UPDATES_PER_COMMAND : RAW_BULK;
  const now = Date.now();
  const templates = Array.from({ length: Math.min(customers, writes) }, (_, k) => rawDocument(k, customers, now));
  const documentBytes = templates.reduce((sum, d) => sum + Buffer.byteLength(JSON.stringify(d)), 0) / templates.length;
  await collection.drop().catch(() => undefined);
  try {
    const started = performance.now();
    for (let from = 0; from < writes; from += RAW_BULK) {
      const operations: AnyBulkWriteOperation<CustomerDocument>[] = [];
      for (let i = from; i < Math.min(writes, from + RAW_BULK); i++) {
        const template = templates[i % templates.length] as CustomerDocument;
        const document = { ...template, version: template.version + Math.floor(i / templates.length), lastSeq: i };
        operations.push({ replaceOne: { filter: { _id: document._id }, replacement: document, upsert: true } });
      }
      for (let at = 0; at < operations.length; at += perCommand) {
        await collection.bulkWrite(operations.slice(at, at + perCommand), { ordered: false });
      }
    }
    const elapsed = performance.now() - started;
    return {
      elapsedMs: elapsed,
      rate: (writes * 1000) / elapsed,
      perCommand,
      documents: templates.length,
      documentBytes,
    };
  } finally {
    await collection.drop().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Main

async function run(bench: Bench, options: Options): Promise<BenchOutcome> {
  const { link, store, signal, gql } = bench;
  // Ids unique to the run, so a reused NATS server's duplicate window never swallows them.
  const prefix = bench.sharedNats ? `e-${bench.tag}-` : "e-";
  const summary: string[] = [];
  const account = "default";
  const phase1 = new Tracker(0, options.events);
  const trackers = [phase1];
  const watcher = await watchAppliedEvents(link, account, prefix, trackers);
  bench.defer(watcher.stop);
  const ctx: Context = { options, gql, prefix, signal, diagnose: () => diagnoseStore(store) };

  // Warm-up: one event end to end, so the partitions are owned and the connections open.
  const warmupId = `warmup-${bench.tag}`;
  await trackEvents(gql, [{ id: warmupId, customerId: WARMUP_CUSTOMER, name: "bench_warmup", properties: {} }], signal);
  const warmupDeadline = performance.now() + 60_000;
  while (!watcher.seen.has(warmupId)) {
    if (performance.now() > warmupDeadline) throw new Error("the warm-up event was not applied within 60 s");
    await sleep(20, signal);
  }

  const throughput = await throughputPhase(ctx, phase1);
  summary.push(
    `throughput: ${fmt(options.events)} events over ${fmt(options.customers)} customers in ` +
      `${(throughput.elapsedMs / 1000).toFixed(2)} s (all accepted after ${(throughput.acceptedMs / 1000).toFixed(2)} s): ` +
      `${fmt(throughput.rate)} events/s end-to-end`,
  );
  err(summary.at(-1) ?? "");

  const rate = throughput.rate / 2;
  const planned = Math.max(1, Math.round(rate * options.latencySeconds));
  const phase2 = new Tracker(options.events, planned);
  trackers.push(phase2);
  const latency = await latencyPhase(ctx, phase2, rate, planned);
  summary.push(
    `latency: ${fmt(planned)} events offered at ${fmt(latency.offeredRate)} events/s in calls of ${latency.size} ` +
      `(at most ${latency.maxInFlight} in flight); accept-to-applied (the gateway's acceptance stamp → fact seen): ` +
      `p50 ${fmt(latency.p50)} ms, p99 ${fmt(latency.p99)} ms, max ${fmt(latency.max)} ms` +
      `${latency.appliedBeforeAck > 0 ? ` (${fmt(latency.appliedBeforeAck)} applied before the client had their Ack)` : ""}; ` +
      `Ack round trip p50 ${fmt(latency.ackP50)} ms, p99 ${fmt(latency.ackP99)} ms`,
  );
  err(summary.at(-1) ?? "");
  const duplicates = phase1.duplicates + phase2.duplicates;
  if (duplicates > 0) summary.push(`note: ${fmt(duplicates)} event facts arrived twice (ignored)`);

  await watcher.stop();
  err("reading the customer documents back…");
  const verified = await verifyStore(store, options.events + planned, signal);
  summary.push(
    `store: ${fmt(verified.documents)} customer documents count all ${fmt(options.events + planned)} events; ` +
      `average document ${fmt(verified.averageBytes)} bytes (JSON); the writes behind the facts finished ` +
      `${(verified.caughtUpMs / 1000).toFixed(1)} s after the latency phase`,
  );

  err(`writing ${fmt(options.events)} documents straight to the store…`);
  const raw = await rawStorePhase(store, options.customers, options.events);
  summary.push(
    `store raw: ${fmt(options.events)} bulkWrite replaceOne upserts (bulks of ${RAW_BULK}` +
      `${raw.perCommand < RAW_BULK ? `, sent as commands of ${raw.perCommand} on FerretDB` : ""}, sequential) over ` +
      `${fmt(raw.documents)} documents of ${fmt(raw.documentBytes)} bytes (JSON) in ${(raw.elapsedMs / 1000).toFixed(2)} s: ` +
      `${fmt(raw.rate)} writes/s`,
  );
  err(summary.at(-1) ?? "");

  const lastLine =
    `ingest: ${Math.round(throughput.rate)} events/s end-to-end, store raw ${Math.round(raw.rate)} writes/s, ` +
    `ratio ${(throughput.rate / raw.rate).toFixed(2)}, p99 ${Math.round(latency.p99)} ms`;
  return { summary, lastLine, failures: [] };
}

runBench({
  name: "bench:ingest",
  parse: (argv, env) => parseOptions<keyof Options>("bench:ingest", OPTION_SPECS, argv, env),
  header: (options) =>
    `${fmt(options.customers)} customers, ${fmt(options.events)} events, batch ${options.batch}, ` +
    `concurrency ${options.concurrency}, latency phase ${options.latencySeconds} s`,
  run,
});
