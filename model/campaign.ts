import { z } from "zod";
import type { Channel, MessageCategory } from "./channel.ts";

/**
 * One-shot campaigns (API.md "One-shot campaigns", docs/campaigns.md): one template sent once to
 * each member of an audience as of the campaign's start, now or at `scheduledAt`.
 *
 * DRAFT → (launch) SCHEDULED → (its time) RUNNING → DONE; DRAFT → (launch) RUNNING at once when
 * no `scheduledAt` lies ahead. CANCELLED from DRAFT, SCHEDULED or RUNNING; FAILED when it cannot
 * go on (its audience or template gone).
 */
export const CAMPAIGN_STATUSES = ["DRAFT", "SCHEDULED", "RUNNING", "DONE", "CANCELLED", "FAILED"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** Statuses a campaign never leaves. */
export const FINAL_CAMPAIGN_STATUSES: readonly CampaignStatus[] = ["DONE", "CANCELLED", "FAILED"];

/**
 * A campaign's progress, exact: `targeted` members asked for so far (a send request each, in
 * customer-id order); of those, `sent`, `suppressed` (consent, address, caps, quiet hours…) and
 * `failed` (FAILED or UNKNOWN at the provider) once their outcome is recorded. Once every request
 * has its outcome, `sent + suppressed + failed = targeted`.
 */
export type CampaignCounters = { targeted: number; sent: number; suppressed: number; failed: number };

export const NO_CAMPAIGN_PROGRESS: CampaignCounters = { targeted: 0, sent: 0, suppressed: 0, failed: 0 };

/**
 * Where a running campaign is, written by its runner: first the audience's members are copied,
 * in pages, as the campaign's targets (`members` so far, through `snapshotAfter`, a customer id);
 * then send requests are published for the targets after `sendAfter`. Each pair is written
 * together after its page, so a runner taking over resumes exactly there.
 */
export type CampaignRun = {
  phase: "snapshot" | "sending" | "requested";
  members: number;
  snapshotAfter?: string;
  sendAfter?: string;
};

/** What a campaign sends, pinned when it starts so that every member gets the same. */
export type PinnedCampaignTemplate = { version: number; channel: Channel; category: MessageCategory };

/**
 * One campaign. `_id` is generated (`cmp_…`, subject-safe, unique across accounts, sorting by
 * creation). Its status moves only from an expected one (`Campaigns.transition`), so two
 * concurrent changes never both apply.
 */
export type Campaign = CampaignCounters & {
  _id: string;
  account: string;
  name: string;
  audienceId: string;
  templateId: string;
  scheduledAt?: Date;
  maxPerMinute?: number;
  viaPushTopic: boolean;
  status: CampaignStatus;
  /** Why it FAILED. */
  failure?: string;
  template?: PinnedCampaignTemplate;
  run?: CampaignRun;
  createdAt: Date;
  updatedAt: Date;
  launchedAt?: Date;
  startedAt?: Date;
  finishedAt?: Date;
};

/** The send key of a campaign's send to one member (send.ts), and the source its messages show. */
export const campaignSendKey = (campaignId: string, customerId: string) => `campaign:${campaignId}:${customerId}`;
export const campaignSource = (campaignId: string) => `campaign:${campaignId}`;

/** A campaign's name: 1–200 characters once trimmed. */
export const campaignNameSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters");

/** The most a campaign may be paced at, and the least. */
export const MAX_PER_MINUTE_BOUNDS = { min: 1, max: 1_000_000 } as const;

/** What `createCampaign` is given (API.md `CampaignInput`). */
export type NewCampaign = {
  name: string;
  audienceId: string;
  templateId: string;
  scheduledAt?: Date;
  maxPerMinute?: number;
  viaPushTopic?: boolean;
};

/** What GraphQL asks of campaigns; every call is scoped to the caller's account. */
export type CampaignOperations = {
  create: (account: string, input: NewCampaign) => Promise<Campaign>;
  launch: (account: string, id: string) => Promise<Campaign>;
  cancel: (account: string, id: string) => Promise<Campaign>;
};
