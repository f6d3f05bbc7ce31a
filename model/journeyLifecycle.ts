import { z } from "zod";
import type { Channel } from "./channel.ts";
import type { JourneyStatus } from "./journey.ts";
import type { JsonObject } from "./json.ts";

/**
 * Journeys as they are managed (API.md "Journeys", docs/journeys.md "Managing journeys"): a draft
 * is edited, publishing freezes it as a numbered version, and the journey goes LIVE, PAUSED and at
 * last ARCHIVED (`JourneyStatus`, journey.ts). The definition is the journey language's (rules/), held here as its JSON.
 */

/** The template versions a published version sends, pinned at publish: template id → its channel and version. */
export type PinnedTemplates = Record<string, { channel: Channel; version: number }>;

/**
 * One journey. `_id` is generated (`jrn_…`, subject-safe, unique across accounts). `version` is
 * the number of the version being edited (`draft`) or, with no draft, the last published one.
 */
export type Journey = {
  _id: string;
  account: string;
  name: string;
  status: JourneyStatus;
  version: number;
  /** The last version published; absent until the first publish. */
  publishedVersion?: number;
  /** Unpublished edits: the definition version `version` will hold once published. */
  draft?: JsonObject;
  createdAt: Date;
  updatedAt: Date;
};

/** A journey's name: 1–200 characters once trimmed; names need not be unique. */
export const journeyNameSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters");

/** What `createJourney` is given. */
export type NewJourney = { name: string; definition: unknown };
/** What `updateJourney` changes; what is left out keeps its value. */
export type JourneyChange = { name?: string; definition?: unknown };

/** How many instances reached, are at, and finished one step, over every version. */
export type JourneyStepStats = { stepId: string; type: string; active: number; entered: number; completed: number };

/** A journey's counters, kept from its `journey.changed` facts; zeros until it has any. */
export type JourneyStats = { entered: number; active: number; exited: number; steps: JourneyStepStats[] };

/** What GraphQL asks of journeys; every call is scoped to the caller's account. */
export type JourneyOperations = {
  create: (account: string, input: NewJourney) => Promise<Journey>;
  update: (account: string, id: string, change: JourneyChange) => Promise<Journey>;
  publish: (account: string, id: string) => Promise<Journey>;
  pause: (account: string, id: string) => Promise<Journey>;
  resume: (account: string, id: string) => Promise<Journey>;
  archive: (account: string, id: string) => Promise<Journey>;
};
