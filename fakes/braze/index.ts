/** The fake Braze's public surface: start one, then inspect it and inject faults. */
export type { ActiveFault, FakeBrazeFault, FaultEffect, FaultScope, ForcedError } from "./faults.ts";
export * as brazeMessages from "./messages.ts";
export {
  BatchMode,
  DEFAULT_KEY,
  DEFAULT_RATE_LIMITS,
  type FakeBrazeKey,
  type FakeBrazeOptions,
  PERMISSIONS,
  type Permission,
  type RateGroup,
  type RateLimit,
  type RateLimits,
  ResetHeaderForm,
} from "./options.ts";
export type { UserAlias } from "./profileStore.ts";
export type { FakeBrazeRequest, RequestFilter } from "./requestLog.ts";
export { type FakeBraze, type FakeBrazeFaults, startFakeBraze } from "./startFakeBraze.ts";
export type { FakeBrazeEvent, FakeBrazePurchase, FakeBrazeState, FakeBrazeStats, FakeBrazeUser } from "./state.ts";
export type { InputArray, TrackError } from "./trackTypes.ts";
