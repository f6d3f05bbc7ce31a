import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { openKvBucket } from "../../streams/index.ts";

/** The KV bucket where each integration records the last CHANGES sequence it synced. */
export const SYNCED_BUCKET = "masivo_destination_synced";

/**
 * How far an integration synced, kept apart from its consumer's ack floor: the server moves an
 * ack floor up to the stream's start when facts expire or are purged, which would hide the very
 * gap this mark reveals. Written after each window is acked, so it may lag the ack floor (a gap
 * is then reported that holds facts already synced, which a resync only sends again).
 */
export type SyncedMark = {
  /** The last sequence recorded; undefined when none was (an integration older than the mark). */
  read: () => Promise<number | undefined>;
  record: (seq: number) => Promise<void>;
};

export async function openSyncedMark(nc: NatsConnection, integrationId: string): Promise<SyncedMark> {
  const kv: KV = await openKvBucket(nc, SYNCED_BUCKET, { history: 1 });
  return {
    async read() {
      const entry = await kv.get(integrationId);
      if (entry?.operation !== "PUT" || entry.length === 0) return undefined;
      const seq = Number(entry.string());
      return Number.isSafeInteger(seq) && seq >= 0 ? seq : undefined;
    },
    async record(seq) {
      await kv.put(integrationId, String(seq));
    },
  };
}
