/**
 * bench:journeys — issue 14's benchmark: every customer enters a journey whose only step is a
 * `waitFor` of an event that never comes, so its durable timer alone moves it on, the deadlines
 * falling within a window of seconds. Measures each timer's lateness (the customer actor's move
 * to the timeout step − the deadline), timers missed or fired twice, and the store bytes and
 * process memory of a waiting instance. See bench/README.md.
 */
import { performance } from "node:perf_hooks";
import { DeliverPolicy, type JsMsg, jetstream } from "@nats-io/jetstream";
import { BSON, type Document } from "mongodb";
import type { IngestCommandDraft } from "../model/index.ts";
import { CUSTOMERS_COLLECTION } from "../store/index.ts";
import {
  alarmCodec,
  type CommandPublisher,
  createCommandPublisher,
  decodeFact,
  readStreamLayout,
  STREAM_NAMES,
  subjects,
} from "../streams/index.ts";
import {
  type Bench,
  type BenchOutcome,
  countFacts,
  countMessages,
  err,
  fmt,
  type OptionSpec,
  PROGRESS_EVERY_MS,
  parseOptions,
  publishCommands,
  quantile,
  runBench,
  STALL_MS,
  seconds,
  sleep,
  startOutcome,
  untilWrittenBehind,
} from "./support.ts";
import { createTimerTally } from "./timerLateness.ts";

type Options = { customers: number; windowSeconds: number };
const OPTION_SPECS: OptionSpec<keyof Options>[] = [
  { key: "customers", flag: "--customers", env: "BENCH_CUSTOMERS", fallback: 100_000, min: 10, max: 1_000_000 },
  { key: "windowSeconds", flag: "--window-seconds", env: "BENCH_WINDOW_SECONDS", fallback: 60, min: 10, max: 3_600 },
];
/** Journeys the customers are dealt to, round robin. */
const JOURNEYS = 10;
const TIMEOUT_STEP = "timedOut";
/** A timer not fired this long after the last deadline is missed. */
const MISSED_AFTER_MS = 60_000;
/** Stored customer documents read to weigh a waiting instance. */
const SAMPLED_DOCUMENTS = 1_000;
const GOAL_P99_MS = 1_000;
const ACCOUNT = "default";

/** Entry events are published in slices this far apart, evenly across the window. */
const PACE_TICK_MS = 100;
/**
 * Every journey's timeout: the window, so that the deadlines fall within a window as long as the
 * one the entries were paced over, plus a margin, so that every customer has entered before the
 * first deadline and the timers are measured apart from the entries.
 */
const timeoutFor = (windowSeconds: number) => windowSeconds + 10;

/** A journey entered by `entryEvent` that waits for an event that never comes, then ends. */
const waitingJourney = (entryEvent: string, timeoutSeconds: number) => ({
  entry: { type: "event", event: entryEvent },
  start: "wait",
  steps: {
    wait: { type: "waitFor", event: "bench_never", timeoutSeconds, next: "answered", timeoutNext: TIMEOUT_STEP },
    answered: { type: "exit" },
    [TIMEOUT_STEP]: { type: "exit" },
  },
});

async function run(bench: Bench, options: Options): Promise<BenchOutcome> {
  const outcome = startOutcome();
  const { customers } = options;
  const layout = await readStreamLayout(bench.link.nc);
  const publisher = createCommandPublisher({ link: bench.link, partitions: layout?.partitions ?? 32 });
  const id = (i: number) => `${bench.tag}-c${i}`;

  // The customers first, applied and written, so that their writes are over before the entries.
  const importStarted = performance.now();
  await publishCommands(publisher, "customers", customers, (i) => ({
    type: "customer.upsert",
    data: { firstName: "Ana" },
    metadata: { account: ACCOUNT, customerId: id(i) },
  }));
  await untilWrittenBehind(bench, ACCOUNT);
  const writtenMs = performance.now() - importStarted;
  outcome.note(`import: ${fmt(customers)} customers applied and written in ${seconds(writtenMs)} s`);

  const timeoutSeconds = timeoutFor(options.windowSeconds);
  const timeoutOf = new Map<string, number>();
  for (let k = 0; k < JOURNEYS; k++) {
    const { createJourney } = await bench.gql<{ createJourney: { id: string } }>(
      "mutation($input: JourneyInput!) { createJourney(input: $input) { id } }",
      { input: { name: `bench-wait-${k}`, definition: waitingJourney(`bench_enter_${k}`, timeoutSeconds) } },
      bench.signal,
    );
    await bench.gql(
      "mutation($id: ID!) { publishJourney(id: $id) { status } }",
      { id: createJourney.id },
      bench.signal,
    );
    timeoutOf.set(createJourney.id, timeoutSeconds);
  }
  outcome.note(`journeys: ${JOURNEYS}, each timing out after ${timeoutSeconds} s`);

  const rssBefore = process.memoryUsage().rss;
  const entryStarted = performance.now();
  const firstDeadlineBy = Date.now() + timeoutSeconds * 1_000;
  await publishPaced(bench, publisher, customers, options.windowSeconds * 1_000, (i) => ({
    type: "event.track",
    data: { name: `bench_enter_${i % JOURNEYS}`, properties: {} },
    metadata: { account: ACCOUNT, customerId: id(i) },
  }));
  // Until a deadline passes, each journey fact is an ENTERED one.
  await untilJourneyFacts(bench, customers, "entered", Number.POSITIVE_INFINITY);
  const enteredAt = Date.now();
  outcome.note(`entries: ${fmt(customers)} instances entered in ${seconds(performance.now() - entryStarted)} s`);
  if (enteredAt > firstDeadlineBy) {
    outcome.note(`entering ended ${seconds(enteredAt - firstDeadlineBy)} s after the first deadline could come`);
  }
  const rssDelta = process.memoryUsage().rss - rssBefore;
  outcome.note(
    `process RSS ${rssDelta < 0 ? "−" : "+"}${fmt(Math.abs(rssDelta) / 2 ** 20)} MiB with the instances (${fmt(rssDelta / customers)} bytes/instance; all of Masivo is in this process, and garbage collection moves it too)`,
  );
  const bytesPerInstance = await weighWaitingInstances(bench, firstDeadlineBy);

  // Each instance leaves three facts: ENTERED, STEPPED to the timeout step and COMPLETED.
  const lastDeadlineBy = enteredAt + timeoutSeconds * 1_000;
  await untilJourneyFacts(bench, 3 * customers, "entered, timed out and completed", lastDeadlineBy + MISSED_AFTER_MS);

  const tally = createTimerTally(TIMEOUT_STEP, (journeyId) => timeoutOf.get(journeyId));
  await readMessages(bench, STREAM_NAMES.changes, subjects.change(ACCOUNT, "journey"), (message) => {
    const fact = decodeFact(message.data);
    if (fact.type === "journey.changed") tally.add(fact.metadata.customerId, fact.data);
  });
  const firing = await alarmFiringLateness(bench);
  outcome.note(
    `alarms: ${fmt(firing.length)} fired by NATS, fired − due p50 ${fmt(quantile(firing, 0.5))} ms p99 ${fmt(quantile(firing, 0.99))} ms max ${fmt(firing.at(-1) ?? Number.NaN)} ms`,
  );
  const figures = tally.figures();
  const p50 = quantile(figures.lateness, 0.5);
  const p99 = quantile(figures.lateness, 0.99);
  const max = figures.lateness.at(-1) ?? Number.NaN;
  outcome.note(`deadlines: ${seconds(figures.lastDeadline - figures.firstDeadline)} s from the first to the last`);
  if (figures.timers !== customers) outcome.failures.push(`${figures.timers} instances entered, not ${customers}`);
  if (figures.unentered > 0) outcome.failures.push(`${figures.unentered} instances timed out without an ENTERED fact`);
  if (figures.missed > 0) outcome.failures.push(`${figures.missed} timers missed`);
  if (figures.duplicated > 0) outcome.failures.push(`${figures.duplicated} instances duplicated`);
  if (!(p99 <= GOAL_P99_MS)) outcome.failures.push(`lateness p99 ${fmt(p99)} ms, over ${fmt(GOAL_P99_MS)} ms`);
  return {
    ...outcome,
    lastLine: `journeys: ${fmt(figures.timers)} timers, lateness p50 ${fmt(p50)} ms p99 ${fmt(p99)} ms max ${fmt(max)} ms, ${fmt(bytesPerInstance)} bytes/instance, ${figures.missed} missed, ${figures.duplicated} duplicated`,
  };
}

/**
 * Publishes `count` commands evenly over `spreadMs`: a slice every PACE_TICK_MS, each at its time
 * from the start (a late slice does not push the next ones back).
 */
async function publishPaced(
  bench: Bench,
  publisher: CommandPublisher,
  count: number,
  spreadMs: number,
  draft: (i: number) => IngestCommandDraft,
): Promise<void> {
  const slices = Math.max(1, Math.floor(spreadMs / PACE_TICK_MS));
  const started = performance.now();
  for (let slice = 0; slice < slices; slice++) {
    const from = Math.floor((slice * count) / slices);
    const to = Math.floor(((slice + 1) * count) / slices);
    const wait = started + slice * PACE_TICK_MS - performance.now();
    if (wait > 0) await sleep(wait, bench.signal);
    if (to > from) await publisher.publish(Array.from({ length: to - from }, (_, k) => draft(from + k)));
  }
  err(`entries: ${fmt(count)} commands published over ${seconds(performance.now() - started)} s`);
}

/**
 * Waits until CHANGES holds `expected` journey facts of the account (counted, not read), or until
 * `giveUpAt` (epoch ms) with fewer; fails when the count stands still for STALL_MS.
 */
async function untilJourneyFacts(bench: Bench, expected: number, what: string, giveUpAt: number): Promise<void> {
  let last = -1;
  let lastChange = performance.now();
  let lastReport = 0;
  for (;;) {
    const counted = await countFacts(bench.link, ACCOUNT, "journey");
    if (counted >= expected) return;
    if (Date.now() > giveUpAt) {
      err(`${fmt(counted)} of ${fmt(expected)} journey facts (${what}) when the timers were due: giving up`);
      return;
    }
    if (counted !== last) {
      last = counted;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > STALL_MS) {
      throw new Error(`no journey fact for ${STALL_MS / 1000} s: ${fmt(counted)} of ${fmt(expected)} (${what})`);
    }
    if (performance.now() - lastReport > PROGRESS_EVERY_MS) {
      lastReport = performance.now();
      err(`journey facts: ${fmt(counted)} of ${fmt(expected)} (${what})`);
    }
    await sleep(250, bench.signal);
  }
}

/**
 * The BSON bytes a waiting instance adds to its customer's stored document: the documents are
 * written behind the facts, so those stored by the time every instance has entered are sampled
 * (waiting until the first arrive, no longer than the first deadline), each weighed with and
 * without its `journeys`.
 */
async function weighWaitingInstances(bench: Bench, firstDeadlineBy: number): Promise<number> {
  const customers = bench.store.db.collection<Document>(CUSTOMERS_COLLECTION);
  for (;;) {
    let bytes = 0;
    let instances = 0;
    const stored = customers.find({ account: ACCOUNT, journeys: { $exists: true } }).limit(SAMPLED_DOCUMENTS);
    for await (const document of stored) {
      const journeys: unknown = document.journeys;
      if (!Array.isArray(journeys) || journeys.some((instance) => instance?.status !== "ACTIVE")) continue;
      const { journeys: _, ...without } = document;
      bytes += BSON.calculateObjectSize(document) - BSON.calculateObjectSize(without);
      instances += journeys.length;
    }
    if (instances > 0) {
      err(
        `store: ${fmt(instances)} waiting instances weighed in ${fmt(Math.min(SAMPLED_DOCUMENTS, instances))} documents`,
      );
      return bytes / instances;
    }
    if (Date.now() > firstDeadlineBy) {
      err("store: no customer document held a waiting instance before the first deadline");
      return Number.NaN;
    }
    await sleep(PROGRESS_EVERY_MS, bench.signal);
  }
}

/** Reads every message `stream` holds on `filter`, in order, with an ordered consumer. */
async function readMessages(bench: Bench, stream: string, filter: string, onMessage: (message: JsMsg) => void) {
  const total = await countMessages(bench.link, stream, filter);
  if (total === 0) return;
  const consumer = await jetstream(bench.link.nc).consumers.get(stream, {
    filter_subjects: [filter],
    deliver_policy: DeliverPolicy.All,
  });
  const messages = await consumer.consume({ max_messages: 2_000 });
  let read = 0;
  try {
    for await (const message of messages) {
      onMessage(message);
      read += 1;
      if (read >= total) break;
    }
  } finally {
    messages.stop();
  }
}

/**
 * How late NATS fired the customers' alarms (the fired message's stream time − the `dueAt` it
 * carries), ascending: the part of a timer's lateness before the relay and the customer actor. An
 * alarm armed past its due time fires at once, so arming late shows here.
 */
async function alarmFiringLateness(bench: Bench): Promise<Float64Array> {
  const lateness: number[] = [];
  await readMessages(bench, STREAM_NAMES.timers, `tmr.fire.${ACCOUNT}.>`, (message) => {
    const alarm = alarmCodec.decode(message.data);
    lateness.push(message.info.timestampNanos / 1e6 - Date.parse(alarm.dueAt));
  });
  return Float64Array.from(lateness).sort();
}

runBench({
  name: "bench:journeys",
  parse: (argv, env) => parseOptions<keyof Options>("bench:journeys", OPTION_SPECS, argv, env),
  header: (options) =>
    `${fmt(options.customers)} customers, each entering a journey whose waitFor times out, the deadlines within about ${fmt(options.windowSeconds)} s`,
  run,
});
