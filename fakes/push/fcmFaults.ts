import { z } from "zod";
import type { FaultScope, TimeoutEffect } from "./faultBook.ts";
import { FCM_ERROR_CODES, type FcmErrorCode } from "./fcmErrors.ts";

export type FcmFaultEffect =
  /** Answer this FCM error without delivering; QUOTA_EXCEEDED and UNAVAILABLE carry Retry-After. */
  { kind: "error"; errorCode: FcmErrorCode; message?: string; retryAfterSeconds?: number } | TimeoutEffect;

export type FakeFcmFault = FaultScope & FcmFaultEffect;

const scope = { token: z.string().min(1).optional(), times: z.number().int().min(1).optional() };

export const fcmFaultSchema: z.ZodType<FakeFcmFault> = z.discriminatedUnion("kind", [
  z.strictObject({
    ...scope,
    kind: z.literal("error"),
    errorCode: z.enum(FCM_ERROR_CODES),
    message: z.string().optional(),
    retryAfterSeconds: z.number().int().min(0).optional(),
  }),
  z.strictObject({ ...scope, kind: z.literal("timeout"), ms: z.number().int().min(0).optional() }),
]);
