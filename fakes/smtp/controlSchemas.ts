import { z } from "zod";
import { SMTP_STAGES } from "./faults.ts";

/** The body of POST /__fake/faults. */

const times = z.number().int().min(1).optional();
const message = z.string().min(1).optional();
const replyCode = z.number().int().min(400).max(599);

export const faultSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("recipient"),
    address: z.string().min(1).optional(),
    code: replyCode,
    message,
    times,
  }),
  z.strictObject({ kind: z.literal("refuseConnection"), message, times }),
  z.strictObject({ kind: z.literal("message"), code: replyCode, message, times }),
  z.strictObject({
    kind: z.literal("delay"),
    stage: z.enum(SMTP_STAGES),
    delayMs: z.number().int().min(0),
    times,
  }),
]);
