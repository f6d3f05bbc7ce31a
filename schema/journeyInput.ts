import { z } from "zod";
import { type JourneyChange, journeyNameSchema, type NewJourney } from "../model/index.ts";
import { builder } from "./builder.ts";
import { parseArgument } from "./errors.ts";

export const JourneyInputRef = builder.inputType("JourneyInput", {
  description: "A new journey: its name and its definition (docs/journeys.md)",
  fields: (t) => ({
    name: t.string({ required: true, description: "1–200 characters" }),
    definition: t.field({ type: "JSON", required: true, description: "The definition language of docs/journeys.md" }),
  }),
});

export const JourneyChangeInputRef = builder.inputType("JourneyChangeInput", {
  description: "What updateJourney changes; what is left out keeps its value",
  fields: (t) => ({
    name: t.string({ description: "1–200 characters" }),
    definition: t.field({ type: "JSON", description: "Replaces the draft (after a publish: opens the next version)" }),
  }),
});

const journeyInputSchema = z.object({ name: journeyNameSchema, definition: z.unknown() });

const journeyChangeSchema = z.object({
  name: journeyNameSchema.nullish().transform((name) => name ?? undefined),
  definition: z
    .unknown()
    .optional()
    .transform((definition) => definition ?? undefined),
});

/** Checks the name; the definition is the journey language's to check (the operations do). */
export function parseJourneyInput(input: unknown): NewJourney {
  return parseArgument(journeyInputSchema, input, "input");
}

export function parseJourneyChange(input: unknown): JourneyChange {
  return parseArgument(journeyChangeSchema, input, "input");
}
