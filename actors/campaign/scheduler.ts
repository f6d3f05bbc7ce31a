import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type {
  AccountMessagingSettings,
  AudienceMembers,
  Audiences,
  CampaignDocument,
  Campaigns,
} from "../../store/index.ts";
import { type CommandPublisher, campaignAlarmCodec, type NatsLink, STREAM_NAMES } from "../../streams/index.ts";
import { startCampaignOutcomeCounter } from "./outcomeCounter.ts";
import {
  type CampaignRunnerDependencies,
  type CampaignRunTuning,
  DEFAULT_RUN_TUNING,
  runCampaign,
} from "./runCampaign.ts";

/** The one durable consumer of fired campaign alarms, shared by every `scheduler` process. */
export const CAMPAIGN_ALARMS_CONSUMER = "campaign_alarms";

export type CampaignSchedulerOptions = {
  link: NatsLink;
  campaigns: Campaigns;
  audiences: Audiences;
  members: AudienceMembers;
  messagingSettings: AccountMessagingSettings;
  commands: CommandPublisher;
  /** Sends one FCM message to an audience's topic (a `viaPushTopic` campaign). */
  sendTopicMessage: CampaignRunnerDependencies["sendTopicMessage"];
  log: Logger;
  now?: () => Date;
  /** How often due campaigns are looked for besides their alarms (MASIVO_CAMPAIGN_SWEEP_SECONDS). */
  sweepMs?: number;
  /** How long a runner's lease lasts unless renewed; a runner killed holds its campaign this long. */
  leaseMs?: number;
  /** Campaigns one process runs at once; more wait for the next sweep. */
  concurrency?: number;
  tuning?: Partial<CampaignRunTuning>;
};

export type CampaignScheduler = { stop: () => Promise<void> };

type Running = { abort: AbortController; done: Promise<void> };

/**
 * The `scheduler` role (docs/campaigns.md, "Running"): starts campaigns when their alarm fires or
 * a sweep finds them due, runs each under a lease renewed while it runs (a runner killed loses its
 * campaigns to another process, or to itself restarted, once the lease lapses), and counts their
 * sends' outcomes.
 */
export async function startCampaignScheduler(options: CampaignSchedulerOptions): Promise<CampaignScheduler> {
  const owner = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const log = options.log.child({ role: "scheduler", owner });
  const now = options.now ?? (() => new Date());
  const leaseMs = options.leaseMs ?? 15_000;
  const concurrency = options.concurrency ?? 4;
  const tuning = { ...DEFAULT_RUN_TUNING, ...options.tuning };
  const running = new Map<string, Running>();
  let stopping = false;

  const counter = await startCampaignOutcomeCounter({ link: options.link, campaigns: options.campaigns, log });

  /** Starts a campaign that is due, and runs it here if nobody else does. */
  const take = async (campaign: CampaignDocument) => {
    if (stopping || running.has(campaign._id) || running.size >= concurrency) return;
    let current: CampaignDocument | undefined = campaign;
    if (campaign.status === "SCHEDULED") {
      if ((campaign.scheduledAt?.getTime() ?? 0) > now().getTime()) return;
      current = await options.campaigns.transition(campaign.account, campaign._id, ["SCHEDULED"], {
        status: "RUNNING",
        startedAt: now(),
        run: { phase: "snapshot", members: 0 },
      });
      if (current) log.info({ account: campaign.account, campaign: campaign._id }, "campaign started");
      current ??= await options.campaigns.byId(campaign._id);
    }
    if (current?.status !== "RUNNING") return;
    const leased = await options.campaigns.lease(current._id, owner, now().getTime() + leaseMs, now().getTime());
    if (!leased || stopping || running.has(leased._id)) return;
    const abort = new AbortController();
    const deps = { ...options, owner, now, log, tuning };
    const done = runCampaign(leased, deps, abort.signal)
      .catch((error) =>
        log.error({ err: error, account: leased.account, campaign: leased._id }, "campaign run failed; resumed later"),
      )
      .finally(async () => {
        running.delete(leased._id);
        await options.campaigns.release(leased._id, owner).catch(() => undefined);
      });
    running.set(leased._id, { abort, done });
  };

  const takeLogged = (campaign: CampaignDocument) =>
    take(campaign).catch((error) =>
      log.warn({ err: error, account: campaign.account, campaign: campaign._id }, "could not start the campaign"),
    );

  const sweep = async () => {
    for (const campaign of await options.campaigns.due(now())) await takeLogged(campaign);
  };

  /** Keeps this process's leases; a campaign whose lease is lost is stopped at its next page. */
  const renew = async () => {
    for (const [campaignId, run] of running) {
      const kept = await options.campaigns
        .lease(campaignId, owner, now().getTime() + leaseMs, now().getTime())
        .catch(() => undefined);
      if (!kept) {
        log.warn({ campaign: campaignId }, "campaign lease lost; its run stops");
        run.abort.abort();
      }
    }
  };

  const jsm = await jetstreamManager(options.link.nc);
  await jsm.consumers.add(STREAM_NAMES.timers, {
    durable_name: CAMPAIGN_ALARMS_CONSUMER,
    filter_subject: "tmr.campaign.fire.>",
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
  });
  const consumer = await jetstream(options.link.nc).consumers.get(STREAM_NAMES.timers, CAMPAIGN_ALARMS_CONSUMER);
  const alarms = await consumer.consume({ max_messages: 100 });
  const relaying = (async () => {
    for await (const message of alarms) {
      try {
        const alarm = campaignAlarmCodec.decode(message.data);
        const campaign = await options.campaigns.byId(alarm.campaignId);
        if (campaign && campaign.account === alarm.account) await take(campaign);
        message.ack();
      } catch (error) {
        // The sweep starts the campaign all the same; the alarm is tried again meanwhile.
        log.warn({ err: error, seq: message.seq }, "campaign alarm not handled; tried again");
        message.nak(1_000);
      }
    }
  })();

  const timers = [
    setInterval(
      () => void sweep().catch((error) => log.warn({ err: error }, "campaign sweep failed")),
      options.sweepMs ?? 5_000,
    ),
    setInterval(() => void renew(), Math.max(1_000, Math.floor(leaseMs / 3))),
  ];
  await sweep().catch((error) => log.warn({ err: error }, "campaign sweep failed"));

  return {
    async stop() {
      stopping = true;
      for (const timer of timers) clearInterval(timer);
      await alarms.close();
      await relaying;
      for (const run of running.values()) run.abort.abort();
      await Promise.all([...running.values()].map((run) => run.done));
      await counter.stop();
    },
  };
}
