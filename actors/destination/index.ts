export type { BrazeSyncOptions } from "./braze/brazeIntegration.ts";
export { type DestinationWorker, type DestinationWorkerOptions, startDestinationWorker } from "./worker.ts";
