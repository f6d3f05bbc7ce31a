import { z } from "zod";
import { APNS_REASONS, type ApnsReason } from "./apnsReasons.ts";
import type { FaultScope, TimeoutEffect } from "./faultBook.ts";

export type ApnsFaultEffect =
  /** Answer this reason (with its status) without delivering; 410 reasons carry `timestamp` (now by default). */
  { kind: "error"; reason: ApnsReason; timestamp?: number } | TimeoutEffect;

export type FakeApnsFault = FaultScope & ApnsFaultEffect;

const scope = { token: z.string().min(1).optional(), times: z.number().int().min(1).optional() };

export const apnsFaultSchema: z.ZodType<FakeApnsFault> = z.discriminatedUnion("kind", [
  z.strictObject({
    ...scope,
    kind: z.literal("error"),
    reason: z.enum(APNS_REASONS),
    timestamp: z.number().int().min(0).optional(),
  }),
  z.strictObject({ ...scope, kind: z.literal("timeout"), ms: z.number().int().min(0).optional() }),
]);
