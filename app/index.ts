export { createLogger, type Logger } from "./logger.ts";
export { createProcessRegistry, operationsOf } from "./operations.ts";
export { type DrainOutcome, type RunningMasivo, startMasivo } from "./startMasivo.ts";
export type { StartOptions } from "./startOptions.ts";
export { exitOnUnhandledErrors } from "./unhandledErrors.ts";
