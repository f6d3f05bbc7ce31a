import { z } from "zod";
import { BatchMode, ResetHeaderForm } from "./options.ts";
import { INPUT_ARRAYS } from "./trackTypes.ts";

/** Bodies of the fake's own control endpoints (POST /__fake/faults and /__fake/settings). */

const scope = {
  path: z.string().startsWith("/").optional(),
  key: z.string().min(1).optional(),
  times: z.number().int().min(1).optional(),
};

export const faultSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    ...scope,
    kind: z.literal("status"),
    status: z.literal([500, 502, 503, 504]),
    body: z.unknown().optional(),
  }),
  z.strictObject({ ...scope, kind: z.literal("queued") }),
  z.strictObject({ ...scope, kind: z.literal("timeout"), holdMs: z.number().int().min(0).optional() }),
  z.strictObject({ ...scope, kind: z.literal("rateLimited"), retryAfterSeconds: z.number().int().min(0).optional() }),
  z.strictObject({
    ...scope,
    kind: z.literal("partialErrors"),
    errors: z
      .array(
        z.strictObject({
          input_array: z.enum(INPUT_ARRAYS),
          index: z.number().int().min(0),
          type: z.string().min(1).optional(),
        }),
      )
      .min(1),
  }),
]);

export const settingsSchema = z.strictObject({
  resetHeader: z.enum([ResetHeaderForm.EPOCH, ResetHeaderForm.DELTA]).optional(),
  /** Key → batch mode. */
  batchModes: z.record(z.string(), z.enum([BatchMode.COMBINED, BatchMode.PER_TYPE])).optional(),
});

/** "path: message" lines of a failed parse, for the 400 answer. */
export function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`);
}
