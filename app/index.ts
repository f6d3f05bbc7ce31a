export { createLogger, type Logger } from "./logger.ts";
export { type DrainOutcome, type RunningMasivo, type StartOptions, startMasivo } from "./startMasivo.ts";
export { exitOnUnhandledErrors } from "./unhandledErrors.ts";
