/**
 * bench:campaign — issue 15's benchmark: a one-shot email campaign to an audience of N members,
 * run by a `scheduler` process of its own, to a fake SMTP relay limiting to a stated rate.
 * Measures throughput against that limit, duplicates and gaps (by the relay's own records: each
 * member once), and the peak memory of the process running the campaign. See bench/README.md.
 */
import { performance } from "node:perf_hooks";
import { startFakeSmtp } from "../fakes/smtp/index.ts";
import { createCommandPublisher, readStreamLayout } from "../streams/index.ts";
import {
  type Bench,
  type BenchOutcome,
  configureFakeEmail,
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
} from "./support.ts";

type Options = { members: number; emailRate: number };
const OPTION_SPECS: OptionSpec<keyof Options>[] = [
  { key: "members", flag: "--members", env: "BENCH_MEMBERS", fallback: 100_000, min: 10, max: 1_000_000 },
  { key: "emailRate", flag: "--email-rate", env: "BENCH_EMAIL_RATE", fallback: 150, min: 1, max: 100_000 },
];
/** Part of the provider's limit the run must reach. */
const GOAL = 0.9;
const ACCOUNT = "default";

type CampaignView = {
  status: string;
  targeted: number;
  sent: number;
  suppressed: number;
  failed: number;
  members: number | null;
};

async function run(bench: Bench, options: Options): Promise<BenchOutcome> {
  const outcome = startOutcome();
  const { members } = options;
  const signal = bench.signal;
  // The relay enforces the stated rate itself and keeps every message of the run, for counting.
  const smtp = await startFakeSmtp({
    rateLimit: { messages: options.emailRate, windowMs: 1_000 },
    messageLogSize: members * 2,
  });
  bench.defer(() => smtp.close());
  await configureFakeEmail(bench, smtp, options.emailRate);
  const { createTemplate } = await bench.gql<{ createTemplate: { id: string } }>(
    "mutation($input: TemplateInput!) { createTemplate(input: $input) { id } }",
    {
      input: {
        name: "bench-campaign",
        channel: "EMAIL",
        email: { subject: "{{ campaign.name }}", html: "<p>Deals for {{ customer.customerId }}</p>" },
      },
    },
    signal,
  );
  const tier = `bench-${bench.tag}`;
  const { createAudience } = await bench.gql<{ createAudience: { id: string } }>(
    "mutation($input: AudienceInput!) { createAudience(input: $input) { id } }",
    { input: { name: `bench-readers-${bench.tag}`, rules: { attribute: "tier", op: "eq", value: tier } } },
    signal,
  );

  const layout = await readStreamLayout(bench.link.nc);
  const publisher = createCommandPublisher({ link: bench.link, partitions: layout?.partitions ?? 32 });
  const id = (i: number) => `${bench.tag}-c${i}`;
  const address = (customerId: string) => `${customerId}@example.com`;
  const importStarted = performance.now();
  await publishCommands(publisher, "members", members, (i) => ({
    type: "customer.upsert",
    data: { email: address(id(i)), firstName: "Ana", tier, consent: { email: "GRANTED" } },
    metadata: { account: ACCOUNT, customerId: id(i) },
  }));
  await untilAudienceSize(bench, createAudience.id, members);
  outcome.note(`audience: ${fmt(members)} members in ${seconds(performance.now() - importStarted)} s`);

  // The campaign runs in a scheduler process of its own, whose memory is what is measured.
  const scheduler = await startRoleProcess(bench, "scheduler", { MASIVO_CAMPAIGN_SWEEP_SECONDS: "1" });

  const { createCampaign } = await bench.gql<{ createCampaign: { id: string } }>(
    "mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }",
    { input: { name: "Bench sale", audienceId: createAudience.id, templateId: createTemplate.id } },
    signal,
  );
  const started = performance.now();
  await bench.gql("mutation($id: ID!) { launchCampaign(id: $id) { status } }", { id: createCampaign.id }, signal);
  const done = await untilDone(bench, createCampaign.id, () => smtp.state.stats().accepted);
  const elapsedMs = performance.now() - started;
  const peakRss = await scheduler.peakRssBytes();

  // The relay's records: each member's address once.
  const received = new Map<string, number>();
  for (const mail of smtp.state.messages()) {
    for (const to of mail.envelope.rcptTo) received.set(to, (received.get(to) ?? 0) + 1);
  }
  let duplicates = 0;
  let gaps = 0;
  for (let i = 0; i < members; i++) {
    const count = received.get(address(id(i))) ?? 0;
    if (count === 0) gaps += 1;
    else duplicates += count - 1;
  }
  const sent = members - gaps;
  const rate = sent / (elapsedMs / 1_000);
  const ofLimit = (100 * rate) / options.emailRate;
  outcome.note(
    `counters: ${fmt(done.targeted)} targeted, ${fmt(done.sent)} sent, ${fmt(done.suppressed)} suppressed, ${fmt(done.failed)} failed (${done.status})`,
  );
  const relay = smtp.state.stats();
  outcome.note(
    `relay: ${fmt(relay.accepted)} accepted, refused ${JSON.stringify(relay.refusedRecipients)} by reply code, ${fmt(relay.connections)} connections`,
  );
  outcome.note(
    `scheduler process: peak RSS ${fmt(peakRss / 2 ** 20)} MiB for ${fmt(members)} members (compare runs of another --members)`,
  );
  if (duplicates > 0) outcome.failures.push(`${duplicates} duplicates`);
  if (gaps > 0) outcome.failures.push(`${gaps} gaps`);
  if (done.targeted !== members) outcome.failures.push(`${done.targeted} targeted, not ${members}`);
  if (ofLimit < GOAL * 100) outcome.failures.push(`${ofLimit.toFixed(1)}% of the provider limit, under ${GOAL * 100}%`);
  return {
    ...outcome,
    lastLine: `campaign: ${fmt(done.targeted)} targeted, ${fmt(sent)} sent in ${seconds(elapsedMs)} s (${fmt(rate)}/s, ${ofLimit.toFixed(1)}% of the provider limit), ${duplicates} duplicates, ${gaps} gaps`,
  };
}

/** Waits until the audience holds `size` members; fails when its size stands still for STALL_MS. */
async function untilAudienceSize(bench: Bench, audienceId: string, size: number): Promise<void> {
  let last = -1;
  let lastChange = performance.now();
  let lastReport = 0;
  for (;;) {
    const { audience } = await bench.gql<{ audience: { size: number } }>(
      "query($id: ID!) { audience(id: $id) { size } }",
      { id: audienceId },
      bench.signal,
    );
    if (audience.size >= size) return;
    if (audience.size !== last) {
      last = audience.size;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > STALL_MS) {
      throw new Error(`the audience stayed at ${fmt(audience.size)} of ${fmt(size)} members for ${STALL_MS / 1000} s`);
    }
    if (performance.now() - lastReport > PROGRESS_EVERY_MS * 5) {
      lastReport = performance.now();
      err(`audience: ${fmt(audience.size)} of ${fmt(size)} members`);
    }
    await sleep(500, bench.signal);
  }
}

/** Waits until the campaign is DONE (or ends otherwise), reporting its counters; fails when they stand still for STALL_MS. */
async function untilDone(bench: Bench, campaignId: string, relayed: () => number): Promise<CampaignView> {
  let last = "";
  let lastChange = performance.now();
  let lastReport = 0;
  const started = performance.now();
  for (;;) {
    const { campaign } = await bench.gql<{ campaign: CampaignView }>(
      "query($id: ID!) { campaign(id: $id) { status targeted sent suppressed failed members } }",
      { id: campaignId },
      bench.signal,
    );
    if (["DONE", "CANCELLED", "FAILED"].includes(campaign.status)) return campaign;
    const progress = `${campaign.targeted}/${campaign.sent}/${campaign.suppressed}/${campaign.failed}`;
    if (progress !== last) {
      last = progress;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > STALL_MS) {
      throw new Error(`campaign counters stood still for ${STALL_MS / 1000} s: ${JSON.stringify(campaign)}`);
    }
    if (performance.now() - lastReport > PROGRESS_EVERY_MS * 5) {
      lastReport = performance.now();
      err(
        `${seconds(performance.now() - started)} s: ${campaign.status}, members ${fmt(campaign.members ?? 0)}, targeted ${fmt(campaign.targeted)}, sent ${fmt(campaign.sent)}, suppressed ${fmt(campaign.suppressed)}, failed ${fmt(campaign.failed)}; relay ${fmt(relayed())}`,
      );
    }
    await sleep(500, bench.signal);
  }
}

runBench({
  name: "bench:campaign",
  parse: (argv, env) => parseOptions<keyof Options>("bench:campaign", OPTION_SPECS, argv, env),
  header: (options) =>
    `a campaign to ${fmt(options.members)} members with email consent, by a scheduler process of its own, to a fake SMTP relay limiting to ${fmt(options.emailRate)} per second`,
  // Every role but the scheduler in this process: the campaign runs in one of its own.
  environment: {
    MASIVO_ALLOW_LOCAL_DESTINATIONS: "1",
    MASIVO_ROLES: "gateway,customers,audiences,destinations,channels",
  },
  run,
});
