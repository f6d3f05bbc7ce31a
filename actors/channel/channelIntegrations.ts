import type { Logger } from "pino";
import type { ChannelIntegrationKind } from "../../model/index.ts";
import { createRollingLimiter } from "../destination/index.ts";

/** An account's integration of one channel, opened: its provider client, called through `call`. */
export type OpenIntegration<Sender> = {
  id: string;
  account: string;
  configVersion: number;
  sender: Sender;
  /**
   * Calls `call` within the integration's rate and at most `maxInFlight` calls at once: a call
   * waits here, not inside the provider client, whose timeout would otherwise count the wait.
   */
  call: <T>(call: () => Promise<T>) => Promise<T>;
};

/** What the cache reads of an integration: undefined when the account has none of this kind. */
export type IntegrationReading<Config> = { id: string; configVersion: number; maxPerSecond: number; config: Config };

export type ChannelIntegrations<Sender> = {
  /** The account's integration, opened; undefined when it has none. Reads the store at most every `refreshMs`. */
  of: (account: string) => Promise<OpenIntegration<Sender> | undefined>;
  close: () => Promise<void>;
};

/**
 * The channel integrations a worker has open, one per account, each with one provider client
 * (pooled SMTP connections, an HTTP/2 session, a cached OAuth token) and one rate limiter for
 * every send of that account on this worker. A configuration change (its `configVersion`) closes
 * the old client and opens a new one.
 */
export function channelIntegrations<Config, Sender>(options: {
  kind: ChannelIntegrationKind;
  read: (account: string) => Promise<IntegrationReading<Config> | undefined>;
  open: (config: Config) => Sender;
  close: (sender: Sender) => Promise<void> | void;
  refreshMs: number;
  /** Provider calls of one integration at once on this worker (an SMTP pool's connections, say). */
  maxInFlight: number;
  log: Logger;
  now?: () => number;
}): ChannelIntegrations<Sender> {
  const now = options.now ?? Date.now;
  const open = new Map<string, { integration: OpenIntegration<Sender> | undefined; readAt: number }>();
  const reading = new Map<string, Promise<OpenIntegration<Sender> | undefined>>();

  const refresh = async (account: string) => {
    const known = open.get(account);
    const read = await options.read(account);
    const current = known?.integration;
    if (current && read?.id === current.id && read.configVersion === current.configVersion) {
      open.set(account, { integration: current, readAt: now() });
      return current;
    }
    if (current) await closeQuietly(current.sender);
    const limiter = read && createRollingLimiter({ limit: read.maxPerSecond, windowMs: 1_000 });
    const slots = semaphore(options.maxInFlight);
    const integration = read &&
      limiter && {
        id: read.id,
        account,
        configVersion: read.configVersion,
        sender: options.open(read.config),
        call: <T>(call: () => Promise<T>) =>
          slots(async () => {
            const place = await limiter.acquire();
            try {
              return await call();
            } finally {
              place.answered();
            }
          }),
      };
    open.set(account, { integration, readAt: now() });
    return integration;
  };

  const closeQuietly = async (sender: Sender) => {
    try {
      await options.close(sender);
    } catch (error) {
      // A client that fails to close (a pool whose server went away) leaves nothing to keep.
      options.log.warn({ err: error, kind: options.kind }, "a channel's provider client did not close cleanly");
    }
  };

  return {
    of(account) {
      const known = open.get(account);
      if (known && now() - known.readAt < options.refreshMs) return Promise.resolve(known.integration);
      let pending = reading.get(account);
      if (!pending) {
        pending = refresh(account).finally(() => reading.delete(account));
        reading.set(account, pending);
      }
      return pending;
    },
    async close() {
      for (const { integration } of open.values()) if (integration) await closeQuietly(integration.sender);
      open.clear();
    },
  };
}

/** Runs at most `size` tasks at once, the others waiting their turn in order. */
function semaphore(size: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await task();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}
