import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";

/** The KV bucket where each integration records how far its open window of facts got. */
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

export type ProgressStore<Context> = {
  get: () => Promise<WindowProgress<Context> | undefined>;
  put: (progress: WindowProgress<Context>) => Promise<void>;
  clear: () => Promise<void>;
};

export async function openProgressStore<Context>(
  nc: NatsConnection,
  integrationId: string,
): Promise<ProgressStore<Context>> {
  const kv: KV = await new Kvm(nc).create(PROGRESS_BUCKET, { history: 1 });
  return {
    async get() {
      const entry = await kv.get(integrationId);
      return entry?.operation === "PUT" && entry.length > 0 ? entry.json<WindowProgress<Context>>() : undefined;
    },
    async put(progress) {
      await kv.put(integrationId, JSON.stringify(progress));
    },
    async clear() {
      await kv.delete(integrationId);
    },
  };
}
