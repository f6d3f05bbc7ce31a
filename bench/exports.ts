/**
 * bench:exports — issue 16's benchmark: a backlog of N event facts exported to an S3 bucket (a
 * local versitygw) and delivered to a webhook receiver on loopback, by a `destinations` process of
 * its own. Measures the export's facts/s and gzip MB/s, the webhook's deliveries/s, duplicates and
 * losses (by what the bucket and the receiver hold, per fact id) and the peak memory of the process
 * running the destinations. See bench/README.md.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { jetstreamManager } from "@nats-io/jetstream";
import { FACT_KIND_TYPES, FACT_KINDS } from "../model/index.ts";
import { startS3Server } from "../stack/index.ts";
import { createCommandPublisher, readStreamLayout, STREAM_NAMES } from "../streams/index.ts";
import { type BucketAccess, bucketTally } from "./bucketTally.ts";
import {
  type Bench,
  type BenchOutcome,
  countFacts,
  err,
  fmt,
  type OptionSpec,
  PROGRESS_EVERY_MS,
  parseOptions,
  publishCommands,
  runBench,
  STALL_MS,
  seconds,
  sleep,
  startOutcome,
  startRoleProcess,
  untilWrittenBehind,
} from "./support.ts";
import { startWebhookTally } from "./webhookTally.ts";

type Options = { facts: number; customers: number; webhookRate: number; factBytes: number };
const OPTION_SPECS: OptionSpec<keyof Options>[] = [
  { key: "facts", flag: "--facts", env: "BENCH_FACTS", fallback: 1_000_000, min: 100, max: 10_000_000 },
  { key: "customers", flag: "--customers", env: "BENCH_CUSTOMERS", fallback: 10_000, min: 10, max: 1_000_000 },
  // The endpoint's maxPerSecond: at the usual 50, a million deliveries would take 5.5 hours.
  { key: "webhookRate", flag: "--webhook-rate", env: "BENCH_WEBHOOK_RATE", fallback: 5_000, min: 1, max: 10_000 },
  // Facts near the command limit (256 KiB) fill a window's bytes, not its count: memory's worst case.
  { key: "factBytes", flag: "--fact-bytes", env: "BENCH_FACT_BYTES", fallback: 0, min: 0, max: 250_000 },
];
const GOAL_S3_FACTS_PER_SECOND = 50_000;
const GOAL_PEAK_RSS_MB = 300;
const ACCOUNT = "default";
const BUCKET = "masivo-bench-exports";
/** One delivery in this many is verified with `standardwebhooks`, to keep the receiver cheap. */
const VERIFY_EVERY = 100;
const POLL_MS = 250;
const MB = 2 ** 20;

/** How one destination's wait ended: when it held every fact (ms after enabling), or how far it got. */
type Arrival =
  | { complete: true; elapsedMs: number; first: { at: number; arrived: number } }
  | { complete: false; arrived: number };

async function run(bench: Bench, options: Options): Promise<BenchOutcome> {
  const outcome = startOutcome();
  const { facts, customers, webhookRate, factBytes } = options;
  // Varied, as real text is: gzip cannot fold it into nothing.
  const padding = (i: number) =>
    factBytes > 0 ? { note: `${i}:${randomBytes(Math.floor(factBytes / 2)).toString("hex")}` } : {};
  const signal = bench.signal;

  const s3DataDir = await mkdtemp(join(tmpdir(), "masivo-bench-s3-"));
  bench.defer(() => rm(s3DataDir, { recursive: true, force: true }));
  const s3 = await startS3Server({
    dataDir: s3DataDir,
    log: err,
    onCrash: (error) => err(`versitygw crashed: ${error.message}`),
  });
  bench.defer(() => s3.stop());
  const access: BucketAccess = {
    bucket: BUCKET,
    region: "us-east-1",
    endpoint: s3.url,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  };
  const bucket = bucketTally(access, "EVENT", FACT_KIND_TYPES.EVENT);
  bench.defer(async () => bucket.close());
  await bucket.createBucket();
  const receiver = await startWebhookTally({ verifyEvery: VERIFY_EVERY });
  bench.defer(() => receiver.close());

  // The customers exist before the exports do: the backlog is their events only.
  const layout = await readStreamLayout(bench.link.nc);
  const publisher = createCommandPublisher({ link: bench.link, partitions: layout?.partitions ?? 32 });
  const customerId = (i: number) => `${bench.tag}-c${i % customers}`;
  const eventFactsBefore = await countFacts(bench.link, ACCOUNT, "event");
  await publishCommands(publisher, "customers", customers, (i) => ({
    type: "customer.upsert",
    data: { firstName: "Ana" },
    metadata: { account: ACCOUNT, customerId: customerId(i) },
  }));
  // Each new customer's REGISTRATION is an event fact.
  await untilEventFacts(bench, eventFactsBefore + customers);

  // Configured switched off: their consumers start at their creation, before the backlog, which
  // builds up in CHANGES; enabled once it is whole, they are measured on it alone.
  const configureS3Export = (enabled: boolean) =>
    bench.gql(
      "mutation($input: S3ExportInput!) { configureS3Export(input: $input) { id } }",
      {
        input: {
          bucket: access.bucket,
          region: access.region,
          endpoint: access.endpoint,
          forcePathStyle: true,
          accessKeyId: access.accessKeyId,
          secretAccessKey: access.secretAccessKey,
          kinds: FACT_KINDS,
          enabled,
        },
      },
      signal,
    );
  await configureS3Export(false);
  const { createWebhook } = await bench.gql<{ createWebhook: { webhook: { id: string }; secret: string } }>(
    "mutation($input: WebhookInput!) { createWebhook(input: $input) { webhook { id } secret } }",
    { input: { url: receiver.url, kinds: ["EVENT"], enabled: false, maxPerSecond: webhookRate } },
    signal,
  );
  receiver.trust(createWebhook.secret);

  const backlogStarted = performance.now();
  await publishCommands(publisher, "events", facts, (i) => ({
    type: "event.track",
    data: {
      name: "bench_export",
      properties: { n: i, sku: `sku-${i % 500}`, price: (i % 100) + 0.99, ...padding(i) },
    },
    metadata: { account: ACCOUNT, customerId: customerId(i) },
  }));
  await untilEventFacts(bench, eventFactsBefore + customers + facts);
  outcome.note(`backlog: ${fmt(facts)} event facts in CHANGES in ${seconds(performance.now() - backlogStarted)} s`);
  // The exports are measured alone: the customer documents written behind, and the other
  // consumers of CHANGES (audiences, journeys) through the backlog.
  const settling = performance.now();
  await untilWrittenBehind(bench, ACCOUNT);
  await untilOtherConsumersCaughtUp(bench);
  outcome.note(
    `backlog settled (documents written, other CHANGES consumers caught up) in ${seconds(performance.now() - settling)} s`,
  );

  // The destinations run in a process of their own, whose memory is what is measured.
  const destinations = await startRoleProcess(bench, "destinations", { MASIVO_ALLOW_LOCAL_DESTINATIONS: "1" });

  // One after the other, so that each is measured alone on the process's two cores.
  const s3EnabledAt = performance.now();
  await configureS3Export(true);
  const s3Arrival = await untilAll("s3", facts, signal, async () => {
    const listedAt = performance.now();
    await bucket.countNew();
    return { arrived: bucket.counted(), at: listedAt - s3EnabledAt };
  });
  const peakRssAfterS3 = (await destinations.peakRssBytes()) / MB;
  // Untimed: every object read as any tool would, each line parsed as JSON, holding what it said.
  await bucket.readAll();
  const webhookEnabledAt = performance.now();
  await bench.gql(
    "mutation($id: ID!, $input: WebhookChanges!) { updateWebhook(id: $id, input: $input) { id } }",
    { id: createWebhook.webhook.id, input: { enabled: true } },
    signal,
  );
  const webhookArrival = await untilAll("webhook", facts, signal, async () => ({
    arrived: receiver.deliveries.size,
    at: (receiver.lastNewAt() ?? webhookEnabledAt) - webhookEnabledAt,
  }));
  const peakRss = (await destinations.peakRssBytes()) / MB;

  const s3Duplicates = extraCopies(bucket.facts);
  const webhookDuplicates = extraCopies(receiver.deliveries);
  const s3Lost = facts - bucket.facts.size;
  const webhookLost = facts - receiver.deliveries.size;
  const s3Rate = s3Arrival.complete ? facts / (s3Arrival.elapsedMs / 1000) : 0;
  const gzipMbPerSecond = s3Arrival.complete ? bucket.gzipBytes() / MB / (s3Arrival.elapsedMs / 1000) : 0;
  const deliveriesPerSecond = webhookArrival.complete ? facts / (webhookArrival.elapsedMs / 1000) : 0;
  if (s3Arrival.complete && s3Arrival.elapsedMs > s3Arrival.first.at) {
    const { first, elapsedMs } = s3Arrival;
    const steady = (facts - first.arrived) / ((elapsedMs - first.at) / 1000);
    outcome.note(
      `s3: the first objects ${seconds(first.at)} s after enabling (start-up), ${fmt(steady)} facts/s from then on`,
    );
  }
  outcome.note(
    `s3: ${fmt(bucket.facts.size)} facts in ${fmt(bucket.objects())} objects (${(bucket.gzipBytes() / MB).toFixed(1)} MB gzip)${s3Arrival.complete ? ` in ${seconds(s3Arrival.elapsedMs)} s` : ""}, ${s3Duplicates} duplicates, ${s3Lost} lost`,
  );
  outcome.note(
    `webhook: ${fmt(receiver.deliveries.size)} facts in ${fmt(receiver.received())} deliveries${webhookArrival.complete ? ` in ${seconds(webhookArrival.elapsedMs)} s` : ""}, ${webhookDuplicates} duplicates, ${webhookLost} lost; ${fmt(receiver.verified())} sampled deliveries verified`,
  );
  outcome.note(
    `destinations process: peak RSS ${fmt(peakRssAfterS3)} MB by the end of the S3 export, ${fmt(peakRss)} MB in all`,
  );

  const duplicates = s3Duplicates + webhookDuplicates;
  const lost = s3Lost + webhookLost;
  for (const reason of receiver.unverified().slice(0, 5)) outcome.failures.push(`signature not verified: ${reason}`);
  if (!s3Arrival.complete) outcome.failures.push(`the bucket stood still at ${fmt(s3Arrival.arrived)} facts`);
  if (!webhookArrival.complete)
    outcome.failures.push(`the receiver stood still at ${fmt(webhookArrival.arrived)} facts`);
  if (s3Rate < GOAL_S3_FACTS_PER_SECOND)
    outcome.failures.push(`s3 ${fmt(s3Rate)} facts/s, under ${fmt(GOAL_S3_FACTS_PER_SECOND)}`);
  if (duplicates > 0) outcome.failures.push(`${duplicates} duplicates`);
  if (lost > 0) outcome.failures.push(`${lost} lost`);
  if (peakRss >= GOAL_PEAK_RSS_MB) outcome.failures.push(`peak RSS ${fmt(peakRss)} MB, not under ${GOAL_PEAK_RSS_MB}`);
  return {
    ...outcome,
    lastLine: `exports: s3 ${fmt(s3Rate)} facts/s (${gzipMbPerSecond.toFixed(2)} MB/s gzip), webhook ${fmt(deliveriesPerSecond)} deliveries/s, ${duplicates} duplicates, ${lost} lost, peak RSS ${fmt(peakRss)} MB`,
  };
}

/**
 * Polls `progress` (the facts arrived: distinct ones at the receiver, those the objects say they
 * hold in the bucket; and when the last one did, in ms after enabling) until `expected` arrived,
 * or nothing new arrived for STALL_MS.
 */
async function untilAll(
  what: string,
  expected: number,
  signal: AbortSignal,
  progress: () => Promise<{ arrived: number; at: number }>,
): Promise<Arrival> {
  let last = 0;
  let lastChange = performance.now();
  let lastReport = performance.now();
  /** The first poll that found facts: what came before is the start-up. */
  let first: { at: number; arrived: number } | undefined;
  for (;;) {
    let arrivedSoFar = last;
    try {
      const seen = await progress();
      if (!first && seen.arrived > 0) {
        first = { at: seen.at, arrived: seen.arrived };
        err(`${what}: first ${fmt(seen.arrived)} facts ${seconds(seen.at)} s after enabling`);
      }
      if (first && seen.arrived >= expected) {
        err(`${what}: all ${fmt(expected)} facts, ${seconds(seen.at)} s after enabling`);
        return { complete: true, elapsedMs: seen.at, first };
      }
      arrivedSoFar = seen.arrived;
    } catch (error) {
      // Tried again at the next poll; one that keeps failing ends as a stall.
      err(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (arrivedSoFar !== last) {
      last = arrivedSoFar;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > STALL_MS) {
      err(`${what}: no new fact for ${STALL_MS / 1000} s`);
      return { complete: false, arrived: arrivedSoFar };
    }
    if (performance.now() - lastReport > 5_000) {
      lastReport = performance.now();
      err(`${what}: ${fmt(arrivedSoFar)} of ${fmt(expected)} facts`);
    }
    await sleep(POLL_MS, signal);
  }
}

/** Waits until CHANGES holds `target` event facts of the account; fails when their number stands still for STALL_MS. */
async function untilEventFacts(bench: Bench, target: number): Promise<void> {
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const held = await countFacts(bench.link, ACCOUNT, "event");
    if (held >= target) return;
    if (held !== last) {
      last = held;
      lastChange = performance.now();
      err(`CHANGES: ${fmt(held)} of ${fmt(target)} event facts`);
    } else if (performance.now() - lastChange > STALL_MS) {
      throw new Error(`CHANGES stayed at ${fmt(held)} of ${fmt(target)} event facts for ${STALL_MS / 1000} s`);
    }
    await sleep(PROGRESS_EVERY_MS, bench.signal);
  }
}

/** Waits until every consumer of CHANGES but the destinations' (`dest_…`) has nothing left to read or ack. */
async function untilOtherConsumersCaughtUp(bench: Bench): Promise<void> {
  const jsm = await jetstreamManager(bench.link.nc);
  for (;;) {
    let behind = 0;
    for await (const info of jsm.consumers.list(STREAM_NAMES.changes)) {
      if (!info.name.startsWith("dest_")) behind += info.num_pending + info.num_ack_pending;
    }
    if (behind === 0) return;
    err(`CHANGES: other consumers have ${fmt(behind)} facts still to read`);
    await sleep(PROGRESS_EVERY_MS, bench.signal);
  }
}

/** Arrivals beyond the first, over every key. */
function extraCopies(counts: ReadonlyMap<string, number>): number {
  let extra = 0;
  for (const count of counts.values()) extra += count - 1;
  return extra;
}

runBench({
  name: "bench:exports",
  parse: (argv, env) => parseOptions<keyof Options>("bench:exports", OPTION_SPECS, argv, env),
  header: (options) =>
    `${fmt(options.facts)} event facts of ${fmt(options.customers)} customers, exported to S3 (versitygw), then delivered to a webhook receiver (at most ${fmt(options.webhookRate)} a second), by a destinations process of its own`,
  // Every role but the destinations in this process: they run in one of their own.
  environment: {
    MASIVO_ALLOW_LOCAL_DESTINATIONS: "1",
    MASIVO_ROLES: "gateway,customers,audiences,channels",
    MASIVO_TIMER_SWEEP_SECONDS: "3600",
  },
  run,
});
