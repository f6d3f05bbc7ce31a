import { z } from "zod";

/** Bodies of the fake's own control endpoints (POST /__fake/faults and /__fake/inbound). */

const scope = {
  to: z
    .string()
    .regex(/^\+?\d+$/, "to is a phone number in E.164 digits")
    .optional(),
  phoneNumberId: z.string().min(1).optional(),
  times: z.number().int().min(1).optional(),
};

export const faultSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    ...scope,
    kind: z.literal("error"),
    code: z.number().int().min(1),
    status: z.number().int().min(400).max(599).optional(),
    title: z.string().min(1).optional(),
    details: z.string().optional(),
  }),
  z.strictObject({
    ...scope,
    kind: z.literal("status"),
    status: z.number().int().min(400).max(599),
    body: z.unknown().optional(),
  }),
  z.strictObject({ ...scope, kind: z.literal("timeout"), holdMs: z.number().int().min(0).optional() }),
]);

/** A user's message to the business number, which opens the customer service window. */
export const inboundSchema = z.strictObject({
  from: z.string().regex(/^\+?[1-9]\d{6,14}$/, "from is a phone number in E.164 digits"),
  /** Default: the fake's first phone number id. */
  phoneNumberId: z.string().min(1).optional(),
});

/** "path: message" lines of a failed parse, for the 400 answer. */
export function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`);
}
