import { z } from "zod";
import type { FaultScope, TimeoutEffect } from "./faultBook.ts";
import { FCM_ERROR_CODES, FCM_ERROR_STATUS, type FcmErrorCode } from "./fcmErrors.ts";

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

/** FCM sends Retry-After with its throttling and outage answers; a fault may add it to others. */
export function faultRetryHeaders(fault: { errorCode: FcmErrorCode; retryAfterSeconds?: number }) {
  const status = FCM_ERROR_STATUS[fault.errorCode];
  const retryAfter = fault.retryAfterSeconds ?? (status === 429 || status === 503 ? 1 : undefined);
  return retryAfter === undefined ? undefined : { "retry-after": String(retryAfter) };
}
