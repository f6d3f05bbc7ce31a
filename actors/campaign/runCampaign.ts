import type { Logger } from "pino";
import { type CampaignRun, campaignSendKey, type PinnedCampaignTemplate } from "../../model/index.ts";
import type {
  AccountMessagingSettings,
  AudienceMembers,
  Audiences,
  CampaignDocument,
  Campaigns,
} from "../../store/index.ts";
import type { CommandPublisher } from "../../streams/index.ts";
import type { TopicMessage } from "../channel/index.ts";
import { nextRequests } from "./pace.ts";
import { campaignSendRequest } from "./sendRequest.ts";

export type CampaignRunnerDependencies = {
  campaigns: Campaigns;
  audiences: Audiences;
  members: AudienceMembers;
  messagingSettings: AccountMessagingSettings;
  commands: CommandPublisher;
  /** Sends one FCM message to an audience's topic (a `viaPushTopic` campaign). */
  sendTopicMessage: (message: TopicMessage) => Promise<{ kind: string; reason?: string }>;
  /** This process's name in campaign leases. */
  owner: string;
  now: () => Date;
  log: Logger;
  tuning: CampaignRunTuning;
};

export type CampaignRunTuning = {
  /** Members copied, and requests published, per page. */
  pageSize: number;
  /** Requests without an outcome a campaign may have at once (pace.ts). */
  maxInFlight: number;
  /** How often outcomes are looked at while waiting for them. */
  recheckMs: number;
};

export const DEFAULT_RUN_TUNING: CampaignRunTuning = { pageSize: 500, maxInFlight: 2_000, recheckMs: 250 };

/** The run stopped: its lease was lost, or the campaign is no longer RUNNING (cancelled). */
class RunStopped extends Error {
  override name = "RunStopped";
}

/**
 * Runs one RUNNING campaign whose lease this process holds (docs/campaigns.md, "Running"), from
 * wherever its last runner stopped: copies the audience's members as its targets, publishes a send
 * request per target, paced, then waits until every request has its outcome and marks it DONE.
 * Each page's position is written with the lease checked, so a runner that lost its lease (or a
 * cancelled campaign) stops at its next page; a runner taking over resumes after the last page
 * written, and a page published again is stored once (its requests' ids are derived).
 */
export async function runCampaign(
  campaign: CampaignDocument,
  deps: CampaignRunnerDependencies,
  signal: AbortSignal,
): Promise<void> {
  const log = deps.log.child({ account: campaign.account, campaign: campaign._id });
  try {
    const audience = await deps.audiences.get(campaign.account, campaign.audienceId);
    if (!audience) return await fail(campaign, `its audience ${campaign.audienceId} no longer exists`, deps, log);
    const { template } = campaign;
    if (!template) return await fail(campaign, "it was started without a pinned template", deps, log);
    if (campaign.viaPushTopic) return await sendToTopic(campaign, template, audience, deps);
    let run: CampaignRun = campaign.run ?? { phase: "snapshot", members: 0 };
    if (run.phase === "snapshot") run = await copyMembers(campaign, run, deps, signal);
    if (run.phase === "sending") run = await requestSends(campaign, template, run, audience, deps, signal);
    await completeOnceCounted(campaign, deps, signal);
  } catch (error) {
    if (error instanceof RunStopped || signal.aborted) {
      log.info({ reason: error instanceof Error ? error.message : String(error) }, "campaign run stopped");
      return;
    }
    throw error;
  }
}

/**
 * A `viaPushTopic` campaign: one FCM message to the audience's topic, whose subscribers are its
 * members' devices with push consent. Sent again by a runner taking over before it was recorded:
 * its collapse id (from the send key) makes a device show it once.
 */
async function sendToTopic(
  campaign: CampaignDocument,
  template: PinnedCampaignTemplate,
  audience: { _id: string; name: string },
  deps: CampaignRunnerDependencies,
) {
  const answer = await deps.sendTopicMessage({
    account: campaign.account,
    audienceId: audience._id,
    templateId: campaign.templateId,
    templateVersion: template.version,
    sendKey: campaignSendKey(campaign._id, `topic:${audience._id}`),
    variables: {
      campaign: { id: campaign._id, name: campaign.name },
      audience: { id: audience._id, name: audience.name },
    },
  });
  // Left to the next runner, after the lease lapses: the message went, or it did not, or it may have.
  if (answer.kind === "retry" || answer.kind === "unknown") {
    throw new Error(`the topic message is to be tried again: ${answer.reason ?? answer.kind}`);
  }
  const sent = answer.kind === "sent";
  await deps.campaigns.transition(campaign.account, campaign._id, ["RUNNING"], {
    status: sent ? "DONE" : "FAILED",
    targeted: 1,
    sent: sent ? 1 : 0,
    failed: sent ? 0 : 1,
    run: { phase: "requested", members: 0 },
    finishedAt: deps.now(),
    ...(sent ? {} : { failure: `the topic message failed: ${answer.reason ?? answer.kind}` }),
  });
}

/** Copies the audience's members after the run's position as the campaign's targets; answers the run at its next phase. */
async function copyMembers(
  campaign: CampaignDocument,
  from: CampaignRun,
  deps: CampaignRunnerDependencies,
  signal: AbortSignal,
): Promise<CampaignRun> {
  let run = from;
  // Targets a runner copied past its last saved page: read again below, or gone from the audience since.
  await deps.campaigns.dropTargetsAfter(campaign._id, run.snapshotAfter);
  for await (const page of deps.members.customerIds(campaign.audienceId, deps.tuning.pageSize, run.snapshotAfter)) {
    if (signal.aborted) throw new RunStopped("stopping");
    const added = await deps.campaigns.addTargets(campaign._id, page);
    run = { phase: "snapshot", members: run.members + added, snapshotAfter: page.at(-1) };
    await save(campaign, run, 0, deps);
  }
  run = { phase: "sending", members: run.members };
  await save(campaign, run, 0, deps);
  return run;
}

/** Publishes a send request per target after the run's position, paced; answers the run once all are asked for. */
async function requestSends(
  campaign: CampaignDocument,
  template: PinnedCampaignTemplate,
  from: CampaignRun,
  audience: { _id: string; name: string },
  deps: CampaignRunnerDependencies,
  signal: AbortSignal,
): Promise<CampaignRun> {
  const messaging = await deps.messagingSettings.get(campaign.account);
  const audienceVariables = { id: audience._id, name: audience.name };
  let run = from;
  let targeted = campaign.targeted;
  const since = deps.now().getTime();
  let published = 0;
  // A page lasts a minute at most when paced: a cursor left idle for long is closed by the store.
  const pageSize = Math.min(deps.tuning.pageSize, campaign.maxPerMinute ?? Number.POSITIVE_INFINITY);
  for await (const page of deps.campaigns.targets(campaign._id, run.sendAfter, pageSize)) {
    let ready = page;
    while (ready.length > 0) {
      if (signal.aborted) throw new RunStopped("stopping");
      const current = await deps.campaigns.byId(campaign._id);
      if (current?.status !== "RUNNING") throw new RunStopped(`campaign is ${current?.status ?? "gone"}`);
      const decision = nextRequests({
        ready: ready.length,
        maxPerMinute: campaign.maxPerMinute,
        published,
        since,
        now: deps.now().getTime(),
        inFlight: current.targeted - current.sent - current.suppressed - current.failed,
        maxInFlight: deps.tuning.maxInFlight,
        recheckMs: deps.tuning.recheckMs,
      });
      if ("waitMs" in decision) {
        await pause(decision.waitMs, signal);
        continue;
      }
      const batch = ready.slice(0, decision.publish);
      ready = ready.slice(decision.publish);
      for (let start = 0; start < batch.length; start += MAX_COMMANDS_PER_CALL) {
        await deps.commands.publish(
          batch
            .slice(start, start + MAX_COMMANDS_PER_CALL)
            .map((customerId) => campaignSendRequest(campaign, template, audienceVariables, messaging, customerId)),
        );
      }
      published += batch.length;
      targeted += batch.length;
      run = { phase: "sending", members: run.members, sendAfter: batch.at(-1) };
      await save(campaign, run, targeted, deps);
    }
  }
  run = { phase: "requested", members: run.members };
  await save(campaign, run, targeted, deps);
  return run;
}

/** Most commands one publish call stores (the command publisher's bound). */
const MAX_COMMANDS_PER_CALL = 1_000;

/** Waits until every request has its outcome counted, then marks the campaign DONE and forgets its targets. */
async function completeOnceCounted(campaign: CampaignDocument, deps: CampaignRunnerDependencies, signal: AbortSignal) {
  for (;;) {
    if (signal.aborted) throw new RunStopped("stopping");
    const current = await deps.campaigns.byId(campaign._id);
    if (current?.status !== "RUNNING") throw new RunStopped(`campaign is ${current?.status ?? "gone"}`);
    if (current.sent + current.suppressed + current.failed >= current.targeted) break;
    await pause(deps.tuning.recheckMs, signal);
  }
  const done = await deps.campaigns.transition(campaign.account, campaign._id, ["RUNNING"], {
    status: "DONE",
    finishedAt: deps.now(),
  });
  if (done) {
    await deps.campaigns.dropTargetsAfter(campaign._id, undefined);
    deps.log.info({ account: campaign.account, campaign: campaign._id, targeted: done.targeted }, "campaign done");
  }
}

/** Writes where the run is; stops it when its lease is lost or the campaign is no longer RUNNING (cancelled). */
async function save(campaign: CampaignDocument, run: CampaignRun, targeted: number, deps: CampaignRunnerDependencies) {
  const status = await deps.campaigns.saveRun(campaign._id, deps.owner, run, targeted);
  if (status === undefined) throw new RunStopped("lease lost");
  if (status !== "RUNNING") throw new RunStopped(`campaign is ${status}`);
}

async function fail(campaign: CampaignDocument, why: string, deps: CampaignRunnerDependencies, log: Logger) {
  log.error({ failure: why }, "campaign failed");
  await deps.campaigns.transition(campaign.account, campaign._id, ["RUNNING"], {
    status: "FAILED",
    failure: why,
    finishedAt: deps.now(),
  });
}

/** Waits `ms`, or less once `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
