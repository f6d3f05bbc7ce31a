import { z } from "zod";
import type { JsonObject } from "./json.ts";

/**
 * Journeys as the customer holds them (docs/journeys.md): each instance of a journey the customer
 * is in, pinned to the version it entered, with the deadline it waits for. The definitions are
 * the journey language's (rules/); the step machine is actors/journey/.
 */

/** A journey's lifecycle: edited as a DRAFT, entered while LIVE, held while PAUSED, ended when ARCHIVED. */
export const JOURNEY_STATUSES = ["DRAFT", "LIVE", "PAUSED", "ARCHIVED"] as const;
export type JourneyStatus = (typeof JOURNEY_STATUSES)[number];

export const JOURNEY_INSTANCE_STATUSES = ["ACTIVE", "EXITED", "COMPLETED"] as const;
export type JourneyInstanceStatus = (typeof JOURNEY_INSTANCE_STATUSES)[number];

/** The event that started an instance: branch rules and `untilDate` refs read it. */
export type EntryEvent = { id: string; name: string; properties: JsonObject };

export type JourneyInstance = {
  journeyId: string;
  version: number;
  /**
   * Which entry this is: the entry key's value, the entry event's id, or for an audience entry
   * the time it entered. Part of every send key of the instance.
   */
  occurrence: string;
  /** The entry key's value (keyed event entries): `sameKey` waits compare events to it. */
  key?: string;
  entryEvent?: EntryEvent;
  status: JourneyInstanceStatus;
  /** The step it is at (ACTIVE), or the last it was at. */
  stepId: string;
  enteredAt: string;
  /** When it reached the current step: a `waitFor` counts only events at or after this. */
  stepSince: string;
  /** The current `delay` or `waitFor` ends at this (ISO-8601); absent when it waits for nothing. */
  waitingUntil?: string;
  /** Steps taken since entry: the visit count that keeps a revisited step's send key new. */
  stepsTaken: number;
  endedAt?: string;
  /** Why an EXITED instance left (an exit event, leaving an audience, the journey archived, …). */
  exitReason?: string;
};

/** How a journey instance moved, as CHANGES tells it (`chg.<account>.journey`). */
export const journeyChangedDataSchema = z.object({
  journeyId: z.string().min(1),
  version: z.number().int().positive(),
  occurrence: z.string().min(1),
  change: z.enum(["ENTERED", "STEPPED", "EXITED", "COMPLETED"]),
  /** The step reached (ENTERED, STEPPED), or the one left (EXITED, COMPLETED). */
  stepId: z.string().min(1),
  /** The step left (STEPPED). */
  previousStepId: z.string().min(1).optional(),
  exitReason: z.string().min(1).optional(),
  at: z.iso.datetime(),
});
export type JourneyChangedData = z.infer<typeof journeyChangedDataSchema>;

/**
 * Wakes a customer whose earliest deadline has come (a fired durable timer, or the sweep of
 * overdue customers): waits and delays that are due move on. `dueAt` is the deadline the alarm
 * was set for; a late or repeated wake finds nothing due and changes nothing.
 */
export const wakeCustomerDataSchema = z.object({ dueAt: z.iso.datetime() });
export type WakeCustomerData = z.infer<typeof wakeCustomerDataSchema>;
