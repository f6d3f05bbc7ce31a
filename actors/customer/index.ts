export { type ApplyResult, applyCommand } from "./applyCommand.ts";
export { type AccountJourneys, NO_JOURNEYS } from "./journeys.ts";
export type { AudienceRule } from "./memberships.ts";
export { createCustomerState } from "./state.ts";
export { DAILY_RETENTION_DAYS, RECENT_TIMESTAMPS } from "./stats.ts";
export {
  type CustomerWorker,
  type CustomerWorkerObserver,
  type CustomerWorkerOptions,
  startCustomerWorker,
} from "./worker.ts";
