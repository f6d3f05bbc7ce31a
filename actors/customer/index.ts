export {
  type ApplyResult,
  applyCommand,
  PERSISTED_CUSTOMER_SCHEMA,
  type PersistedCustomer,
  restore,
} from "./applyCommand.ts";
export { type CustomerEvent, type CustomerInput, customerMachine } from "./machine.ts";
export type { AudienceRule } from "./memberships.ts";
export { createCustomerState } from "./state.ts";
export { DAILY_RETENTION_DAYS, RECENT_TIMESTAMPS } from "./stats.ts";
export { type CustomerWorker, type CustomerWorkerOptions, startCustomerWorker } from "./worker.ts";
