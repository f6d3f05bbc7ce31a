import type { Logger } from "pino";
import type { StatusChange } from "./integrationHealth.ts";

export type StatusWriter = {
  /** Asks for `change` to be stored; a later change replaces one not stored yet. */
  write: (change: StatusChange) => void;
  /** Resolves once the last change asked for is stored, or the writer stopped. Never rejects. */
  stored: () => Promise<void>;
  /** Gives up what is not stored yet: the next sync decides its status afresh. */
  stop: () => void;
};

export type StatusWriterOptions = {
  store: (change: StatusChange) => Promise<void>;
  /** How long a failed write waits before the latest change is tried again. */
  retryMs: number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  log: Logger;
};

/**
 * Stores an integration's status off the path of its calls: a store that cannot be reached (a
 * MongoDB outage during the provider's retries) neither stops the sync nor loses the status, which
 * is written again, the latest change only, until it is stored. Status writes are derived from the
 * calls, so only the last one matters.
 */
export function createStatusWriter(options: StatusWriterOptions): StatusWriter {
  let wanted: StatusChange | undefined;
  let writing: Promise<void> | undefined;
  const stopping = new AbortController();

  const writeWanted = async () => {
    try {
      while (wanted && !stopping.signal.aborted) {
        const change = wanted;
        try {
          await options.store(change);
          if (wanted === change) wanted = undefined;
        } catch (error) {
          options.log.warn(
            { err: error, status: change.status, lastError: change.lastError, retryMs: options.retryMs },
            "integration status not stored; tried again",
          );
          // Rejects only when the writer stops, which ends the loop.
          await options.sleep(options.retryMs, stopping.signal).catch(() => undefined);
        }
      }
    } finally {
      // Cleared before the promise settles, so a change asked for meanwhile starts a new writer.
      writing = undefined;
    }
  };

  return {
    write(change) {
      if (stopping.signal.aborted) return;
      wanted = change;
      writing ??= writeWanted();
    },
    stored: () => writing ?? Promise.resolve(),
    stop() {
      stopping.abort();
      wanted = undefined;
    },
  };
}
