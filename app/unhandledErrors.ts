import type { Logger } from "./logger.ts";

/**
 * Ends the process on an error nothing handled: a rejection no one awaited, or an exception thrown
 * outside any call chain. Its state can no longer be trusted, so it logs the error with where it
 * came from and exits 1 for its supervisor (Kubernetes, Compose) to start it again; everything it
 * had not acknowledged is redelivered to the next process. Handled failures never come here: a
 * store or NATS outage is retried where it happens.
 */
export function exitOnUnhandledErrors(log: Logger, exit: (code: number) => void = process.exit): void {
  process.on("unhandledRejection", (reason) => {
    log.fatal({ err: reason }, "unhandled rejection; exiting for the supervisor to restart the process");
    exit(1);
  });
  process.on("uncaughtException", (error, origin) => {
    log.fatal({ err: error, origin }, "uncaught exception; exiting for the supervisor to restart the process");
    exit(1);
  });
}
