export type { CallObserver } from "./integrationSync.ts";
export type { DestinationLimits, DestinationProvider, SyncTuning, TuningChanges } from "./provider.ts";
export {
  DESTINATION_PROVIDERS,
  destinationProviders,
  type ProviderRegistry,
  type RegisteredProvider,
  registerProvider,
} from "./providers.ts";
export { createRollingLimiter, type RollingLimiter } from "./rollingLimiter.ts";
export { type DestinationWorker, type DestinationWorkerOptions, startDestinationWorker } from "./worker.ts";
