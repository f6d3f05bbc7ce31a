import { z } from "zod";

/** Events one `trackEvents` call may carry. */
export const MAX_EVENTS_PER_CALL = 1000;

/** Customer ids may hold any character (they never appear in subjects), within a length bound. */
export const customerIdSchema = z.string().min(1, "must not be empty").max(256, "must be at most 256 characters");

/** Custom attributes and event properties: a JSON object. */
export const jsonObjectSchema = z.record(z.string(), z.unknown(), { error: "must be a JSON object" });
