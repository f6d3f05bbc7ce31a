import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { openKvBucket } from "../../streams/index.ts";

/** The KV bucket where each integration records how far its open windows of facts got. */
export const PROGRESS_BUCKET = "masivo_destination_progress";

/**
 * An integration's open window: the CHANGES sequences it covers, what its plan was decided with
 * (so the same plan can be rebuilt after a crash), and which calls of that plan are finished.
 * A call split into smaller calls after the provider refused it as too long lists its finished
 * parts in `parts`. Nothing finished is ever sent again.
 */
export type WindowProgress<Context> = {
  fromSeq: number;
  toSeq: number;
  context: Context;
  done: number[];
  parts: Record<string, number[]>;
};

/**
 * The open windows of one integration (as many as its provider handles at once, `windowsHandled`),
 * kept in NATS KV under the integration's id. Changes gather for up to `delayMs`, so that one write records
 * many finished calls (a crash in that time resends them, as it resends the calls in flight), and
 * writes go one after another, each with everything recorded so far.
 */
export type ProgressBook<Context> = {
  /** The windows open when the book was read (what the last run left), in stream order. */
  readonly leftOpen: readonly WindowProgress<Context>[];
  find: (fromSeq: number) => WindowProgress<Context> | undefined;
  /** Starts recording a window; it is written with the next change. */
  add: (progress: WindowProgress<Context>) => void;
  /** Something of an open window changed: it will be written. */
  changed: () => void;
  /** The window is finished and acked: it leaves the record. */
  close: (fromSeq: number) => void;
  /** Writes what is pending now; resolves once every change so far is stored. */
  flushed: () => Promise<void>;
};

export type ProgressBookOptions = {
  /** How long changes gather before they are written. */
  delayMs: number;
  /** True while this process's lease on the integration holds: nothing is written once it ended. */
  holds: () => boolean;
};

export async function openProgressBook<Context>(
  nc: NatsConnection,
  integrationId: string,
  { delayMs, holds }: ProgressBookOptions,
): Promise<ProgressBook<Context>> {
  const kv: KV = await openKvBucket(nc, PROGRESS_BUCKET, { history: 1 });
  const entry = await kv.get(integrationId);
  const stored: unknown = entry?.operation === "PUT" && entry.length > 0 ? entry.json() : [];
  // A record from before windows overlapped holds one window, not a list.
  const leftOpen = (Array.isArray(stored) ? stored : [stored]) as WindowProgress<Context>[];
  let open = [...leftOpen];
  let writing: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  /** A write that failed, reported by the next `flushed`. */
  let failed: { error: unknown } | undefined;

  const write = () => {
    clearTimeout(timer);
    timer = undefined;
    writing = writing
      // The record is the lease holder's: a stale write would overwrite what the next holder
      // finished. A skipped one loses nothing: each write carries every open window whole.
      .then(() => (holds() ? kv.put(integrationId, JSON.stringify(open)) : undefined))
      .then(
        () => undefined,
        (error: unknown) => {
          failed ??= { error };
        },
      );
  };
  const changed = () => {
    timer ??= setTimeout(write, delayMs);
  };
  return {
    leftOpen,
    find: (fromSeq) => open.find((progress) => progress.fromSeq === fromSeq),
    add(progress) {
      open = [...open.filter((p) => p.fromSeq !== progress.fromSeq), progress].sort((a, b) => a.fromSeq - b.fromSeq);
    },
    changed,
    close(fromSeq) {
      open = open.filter((progress) => progress.fromSeq !== fromSeq);
      changed();
    },
    async flushed() {
      if (timer !== undefined) write();
      await writing;
      const failure = failed;
      failed = undefined;
      if (failure) throw new Error(`could not record the progress of ${integrationId}`, { cause: failure.error });
    },
  };
}
