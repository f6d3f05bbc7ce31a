import { z } from "zod";

/** A JSON object: custom attributes and event properties. */
export type JsonObject = Record<string, unknown>;

/** Custom attributes and event properties: a JSON object. */
export const jsonObjectSchema = z.record(z.string(), z.unknown(), { error: "must be a JSON object" });
