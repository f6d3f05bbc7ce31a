export type { DestinationLimits, DestinationProvider, SyncTuning } from "./provider.ts";
export { DESTINATION_PROVIDERS, type ProviderRegistry, registerProvider } from "./providers.ts";
export { type DestinationWorker, type DestinationWorkerOptions, startDestinationWorker } from "./worker.ts";
