import type { KV } from "@nats-io/kv";
import type { Logger } from "pino";

/** A watch this far behind is logged and no longer waited for: it must not hold a partition up. */
export const CATCH_UP_TIMEOUT_MS = 10_000;

/** A process's live copy of a KV bucket, kept current by a watch. */
export type WatchedBucket = {
  /**
   * Resolves once the copy holds every change the bucket had when called: a change written
   * before a command was sent is then seen by everything decided after that command.
   */
  caughtUp: () => Promise<void>;
  stop: () => Promise<void>;
};

/**
 * Watches every key of `kv`, handing each change to `apply` (the value of a put, undefined for a
 * delete or purge), in bucket order; resolves once the entries the bucket held are applied. An
 * entry `apply` throws on is logged and skipped. `name` tells the bucket apart in the log.
 */
export async function watchBucket(
  kv: KV,
  name: string,
  apply: (key: string, value: unknown) => void,
  log: Logger,
): Promise<WatchedBucket> {
  const watch = await kv.watch({ key: ">" });
  const pending = (await kv.status()).values;
  let markLoaded: () => void = () => {};
  const loaded = new Promise<void>((resolve) => {
    markLoaded = resolve;
  });
  if (pending === 0) markLoaded();

  // The bucket revision the copy has applied, and who waits for a later one.
  let appliedRevision = 0;
  const waiting = new Set<{ revision: number; resolve: () => void }>();
  const running = (async () => {
    for await (const entry of watch) {
      try {
        apply(entry.key, entry.operation === "PUT" ? entry.json<unknown>() : undefined);
      } catch (error) {
        log.error({ err: error, bucket: name, key: entry.key }, "catalog entry unreadable; skipped");
      }
      appliedRevision = Math.max(appliedRevision, entry.revision);
      for (const waiter of waiting) if (waiter.revision <= appliedRevision) waiter.resolve();
      // `delta` is how many entries were still pending when this one was delivered.
      if (entry.delta === 0) markLoaded();
    }
  })();

  const caughtUp = async () => {
    const revision = (await kv.status()).streamInfo.state.last_seq;
    if (revision <= appliedRevision) return;
    let timer: NodeJS.Timeout | undefined;
    const waiter = { revision, resolve: () => {} };
    await new Promise<void>((resolve) => {
      waiter.resolve = resolve;
      waiting.add(waiter);
      timer = setTimeout(() => {
        log.warn({ bucket: name, revision, appliedRevision }, "catalog still behind; going on without it");
        resolve();
      }, CATCH_UP_TIMEOUT_MS);
    });
    clearTimeout(timer);
    waiting.delete(waiter);
  };

  await loaded;
  return {
    caughtUp,
    async stop() {
      watch.stop();
      await running;
    },
  };
}
