/** The fake push providers' public surface: start FCM or APNs, then inspect them and inject faults. */
export type { FakeApnsFault } from "./apnsFaults.ts";
export type { ApnsSigningKey, FakeApnsOptions } from "./apnsOptions.ts";
export { APNS_REASON_STATUS, APNS_REASONS, type ApnsReason, PUSH_TYPES } from "./apnsReasons.ts";
export type { ApnsReceived } from "./apnsSend.ts";
export type { ActiveFault, FaultScope, TimeoutEffect } from "./faultBook.ts";
export { FCM_ERROR_CODES, type FcmErrorCode } from "./fcmErrors.ts";
export type { FakeFcmFault, FcmFaultEffect } from "./fcmFaults.ts";
export type { FcmMessage, FcmTarget } from "./fcmMessage.ts";
export type { ServiceAccountKey } from "./fcmOAuth.ts";
export { DEFAULT_FCM_RATE_LIMIT, type FakeFcmOptions } from "./fcmOptions.ts";
export type { FcmReceived } from "./fcmSend.ts";
export {
  type FakeApns,
  type FakeApnsCredentials,
  type FakeApnsFaults,
  type FakeApnsStats,
  startFakeApns,
} from "./startFakeApns.ts";
export {
  type FakeFcm,
  type FakeFcmFaults,
  type FakeFcmStats,
  type FakeServiceAccount,
  startFakeFcm,
} from "./startFakeFcm.ts";
export type { RateLimit } from "./tokenBucket.ts";
