/**
 * bench:sends — issue 13's benchmark: customers with email consent and push devices, one send
 * each through email and push, from the customer actors' decision to the fake providers, each
 * limiting to a stated rate. Measures throughput against those limits, duplicates and losses (by
 * the fakes' own records) and the time from decision to provider. See bench/README.md.
 */
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { collapseIdOf } from "../actors/channel/push/pushNotification.ts";
import { startFakeFcm } from "../fakes/push/index.ts";
import { startFakeSmtp } from "../fakes/smtp/index.ts";
import type { IngestCommandDraft } from "../model/index.ts";
import { SEND_OUTCOMES_COLLECTION, SENDS_COLLECTION } from "../store/index.ts";
import { createCommandPublisher, readStreamLayout } from "../streams/index.ts";
import {
  type Bench,
  type BenchOutcome,
  configureFakeEmail,
  countFacts,
  err,
  fmt,
  type OptionSpec,
  parseOptions,
  publishCommands,
  quantile,
  runBench,
  seconds,
  startOutcome,
  untilCustomersApplied,
} from "./support.ts";

type Options = { customers: number; devices: number; emailRate: number; pushRate: number };
const OPTION_SPECS: OptionSpec<keyof Options>[] = [
  { key: "customers", flag: "--customers", env: "BENCH_CUSTOMERS", fallback: 100_000, min: 10, max: 1_000_000 },
  { key: "devices", flag: "--devices", env: "BENCH_DEVICES", fallback: 50_000, min: 0, max: 1_000_000 },
  { key: "emailRate", flag: "--email-rate", env: "BENCH_EMAIL_RATE", fallback: 90, min: 1, max: 100_000 },
  { key: "pushRate", flag: "--push-rate", env: "BENCH_PUSH_RATE", fallback: 70, min: 1, max: 100_000 },
];
/** Part of the providers' limits the run must reach. */
const GOAL = 0.9;

async function run(bench: Bench, options: Options): Promise<BenchOutcome> {
  const outcome = startOutcome();
  // The fakes enforce the stated rates themselves: the sender must hold them or draw refusals.
  // Each keeps every message of the run, for counting.
  const smtp = await startFakeSmtp({
    rateLimit: { messages: options.emailRate, windowMs: 1_000 },
    messageLogSize: options.customers * 2,
  });
  bench.defer(() => smtp.close());
  const fcm = await startFakeFcm({
    rateLimit: { limit: options.pushRate, windowMs: 1_000 },
    receivedLogSize: Math.max(1, options.devices * 2),
  });
  bench.defer(() => fcm.close());
  const signal = bench.signal;
  await configureFakeEmail(bench, smtp, options.emailRate);
  const { project_id, client_email, private_key, token_uri } = fcm.serviceAccount;
  await bench.gql(
    "mutation($input: PushSettingsInput!) { configurePush(input: $input) { id } }",
    {
      input: {
        fcmServiceAccount: { project_id, client_email, private_key, token_uri },
        endpoint: fcm.url,
        maxPerSecond: options.pushRate,
      },
    },
    signal,
  );
  const template = async (input: Record<string, unknown>) =>
    (
      await bench.gql<{ createTemplate: { id: string; version: number } }>(
        "mutation($input: TemplateInput!) { createTemplate(input: $input) { id version } }",
        { input },
        signal,
      )
    ).createTemplate;
  const email = await template({
    name: "bench-email",
    channel: "EMAIL",
    email: { subject: "Hi {{ customer.firstName }}", html: "<p>Deals for {{ customer.customerId }}</p>" },
  });
  const push = await template({
    name: "bench-push",
    channel: "PUSH",
    push: { title: "Hi", body: "Deals for {{ customer.customerId }}" },
  });

  const layout = await readStreamLayout(bench.link.nc);
  const publisher = createCommandPublisher({ link: bench.link, partitions: layout?.partitions ?? 32 });
  const account = "default";
  const id = (i: number) => `${bench.tag}-c${i}`;
  const publishAll = (what: string, count: number, draft: (i: number) => IngestCommandDraft) =>
    publishCommands(publisher, what, count, draft);
  await publishAll("customers", options.customers, (i) => ({
    type: "customer.upsert",
    data: { email: `${id(i)}@example.com`, firstName: "Ana", consent: { email: "GRANTED", push: "GRANTED" } },
    metadata: { account, customerId: id(i) },
  }));
  await publishAll("devices", options.devices, (i) => ({
    type: "device.register",
    data: { token: `${id(i)}-token`, platform: "ANDROID" },
    metadata: { account, customerId: id(i % options.customers) },
  }));

  // The customers are in place before the sends are asked for: the run measures sending, not the
  // customer actors applying a bulk import (bench:ingest measures that).
  await untilCustomersApplied(bench);

  const sends = options.customers + options.devices;
  const messaging = { caps: [] };
  const started = performance.now();
  const send = (channel: "EMAIL" | "PUSH", templateId: string, version: number) => (i: number) =>
    ({
      type: "message.send",
      id: { derived: `bench-send:${bench.tag}:${channel}:${i}` },
      data: {
        sendKey: `bench:${bench.tag}:${channel}:${i}`,
        channel,
        category: "MARKETING",
        templateId,
        templateVersion: version,
        source: "api",
        variables: {},
        messaging,
      },
      metadata: { account, customerId: id(i % options.customers) },
    }) as IngestCommandDraft;
  await Promise.all([
    publishAll("email sends", options.customers, send("EMAIL", email.id, email.version)),
    publishAll("push sends", options.devices, send("PUSH", push.id, push.version)),
  ]);

  // Progress from what is cheap to read while the run goes (a scan of the ledger is not): the
  // `message.recorded` facts CHANGES holds for the account, and the fakes' counters.
  const recorded = () => countFacts(bench.link, account, "message");
  let last = 0;
  for (;;) {
    const done = await recorded();
    if (done >= sends) break;
    if (performance.now() - last > 5_000) {
      last = performance.now();
      err(
        `${seconds(last - started)} s: ${fmt(done)} of ${fmt(sends)} sends final; smtp ${fmt(smtp.state.stats().accepted)}, fcm ${fmt(fcm.stats().delivered)}`,
      );
    }
    if (signal.aborted) throw new Error("stopped");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const elapsedMs = performance.now() - started;
  const outcomes = bench.store.db.collection(SEND_OUTCOMES_COLLECTION);
  const statuses = new Map<string, number>();
  for await (const final of outcomes.find({}, { projection: { status: 1, reason: 1 } })) {
    const key = `${final.status}${final.reason ? ` (${String(final.reason).slice(0, 80)})` : ""}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  outcome.note(`outcomes: ${[...statuses].map(([status, count]) => `${fmt(count)} ${status}`).join(", ")}`);

  // The fakes' records: each delivery once per Message-ID / collapse key, decided when the ledger says.
  const decidedAt = new Map<string, number>();
  for await (const entry of bench.store.db
    .collection<{ sendKey: string; createdAt: Date }>(SENDS_COLLECTION)
    .find({})) {
    decidedAt.set(entry.sendKey, entry.createdAt.getTime());
  }
  const emailKeys = new Map<string, string>();
  const pushKeys = new Map<string, string>();
  for (const key of decidedAt.keys()) {
    if (key.includes(":EMAIL:")) emailKeys.set(`<${sha256Hex(key)}@shop.example>`, key);
    else pushKeys.set(collapseIdOf(key), key);
  }
  const delivered = new Map<string, number>();
  const latencies: number[] = [];
  const arrive = (key: string | undefined, at: number) => {
    if (!key) return;
    delivered.set(key, (delivered.get(key) ?? 0) + 1);
    if (delivered.get(key) === 1) latencies.push(at - (decidedAt.get(key) ?? at));
  };
  for (const mail of smtp.state.messages()) arrive(emailKeys.get(mail.messageId ?? ""), mail.receivedAt);
  for (const message of fcm.messages()) arrive(pushKeys.get(message.message.android?.collapse_key ?? ""), message.time);
  const duplicates = [...delivered.values()].reduce((sum, count) => sum + count - 1, 0);
  const lost = sends - delivered.size;
  const sent = delivered.size;
  const rate = sent / (elapsedMs / 1000);
  // The channels run at once, each held to its provider's limit: the run can take no less than
  // the longer of the two at its limit.
  const fastestS = Math.max(options.customers / options.emailRate, options.devices / options.pushRate);
  const ofLimits = (100 * fastestS) / (elapsedMs / 1000);
  const sorted = Float64Array.from(latencies).sort();
  const p99 = quantile(sorted, 0.99);
  outcome.note(
    `email: ${fmt(options.customers)} sends at ${fmt(options.emailRate)}/s; push: ${fmt(options.devices)} at ${fmt(options.pushRate)}/s`,
  );
  outcome.note(`fakes: smtp ${fmt(smtp.state.messages().length)} messages, fcm ${fmt(fcm.messages().length)} messages`);
  if (duplicates > 0) outcome.failures.push(`${duplicates} duplicates`);
  if (lost > 0) outcome.failures.push(`${lost} lost`);
  if (ofLimits < GOAL * 100)
    outcome.failures.push(`${ofLimits.toFixed(1)}% of the providers' limits, under ${GOAL * 100}%`);
  return {
    ...outcome,
    lastLine: `sends: ${fmt(sent)} sent in ${seconds(elapsedMs)} s (${fmt(rate)}/s, ${ofLimits.toFixed(1)}% of the providers' limits), ${duplicates} duplicates, ${lost} lost, p99 decision-to-provider ${fmt(p99)} ms`,
  };
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

runBench({
  name: "bench:sends",
  parse: (argv, env) => parseOptions<keyof Options>("bench:sends", OPTION_SPECS, argv, env),
  header: (options) =>
    `${fmt(options.customers)} customers with email consent, ${fmt(options.devices)} with a push device; one email and one push each, to fakes limiting to ${fmt(options.emailRate)} and ${fmt(options.pushRate)} per second`,
  environment: { MASIVO_ALLOW_LOCAL_DESTINATIONS: "1" },
  run,
});
