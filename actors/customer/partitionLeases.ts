import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";

/** The KV bucket holding who owns which INGEST partition, and which workers are alive. */
export const LEASES_BUCKET = "masivo_customer_partitions";

export type PartitionLeaseOptions = {
  nc: NatsConnection;
  partitions: number;
  workerId: string;
  /** How long a lease (and a worker's heartbeat) lives without renewal: the failover delay. */
  ttlMs?: number;
  /** How often leases are renewed, balanced and claimed. */
  tickMs?: number;
  /** Start consuming a partition this worker now owns. */
  onAcquire: (partition: number) => void;
  /** Stop consuming a partition (finishing the batch in hand) before its lease is given up. */
  onRelease: (partition: number) => Promise<void>;
  log: Logger;
};

export type PartitionLeases = {
  /** True while this worker's lease on the partition is safely within its lifetime. */
  holds: (partition: number) => boolean;
  owned: () => number[];
  stop: () => Promise<void>;
};

/**
 * Spreads the partitions over the live workers with leases in a NATS KV bucket whose entries
 * expire after `ttlMs`. Every tick a worker renews its heartbeat and its leases (compare-and-set
 * on the revision it holds), gives up leases beyond its fair share (ceil(partitions / live workers)),
 * and claims free partitions (create-if-absent) up to that share. A dead worker's leases expire,
 * and the others claim them on their next tick; a joining worker gets partitions as the others
 * shed their surplus. The lease decides who consumes; the `lastSeq` and version checks on the
 * customer documents keep a late writer from applying anything twice.
 */
export async function startPartitionLeases(options: PartitionLeaseOptions): Promise<PartitionLeases> {
  const ttlMs = options.ttlMs ?? 5_000;
  const tickMs = options.tickMs ?? 1_000;
  const kv: KV = await new Kvm(options.nc).create(LEASES_BUCKET, { ttl: ttlMs, history: 1 });
  const leases = new Map<number, { revision: number; validUntil: number }>();
  const me = options.workerId;
  const leaseKey = (partition: number) => `p.${partition}`;

  const lose = async (partition: number) => {
    leases.delete(partition);
    await options.onRelease(partition);
  };

  const release = async (partition: number) => {
    const lease = leases.get(partition);
    await lose(partition);
    if (lease) await kv.delete(leaseKey(partition), { previousSeq: lease.revision }).catch(() => undefined);
  };

  const tick = async () => {
    const started = Date.now();
    await kv.put(`w.${me}`, String(started));
    let live = 0;
    for await (const _ of await kv.keys("w.>")) live += 1;
    const share = Math.ceil(options.partitions / Math.max(live, 1));

    const free: number[] = [];
    const partitions = Array.from({ length: options.partitions }, (_, partition) => partition);
    const entries = await Promise.all(partitions.map((partition) => kv.get(leaseKey(partition))));
    await Promise.all(
      partitions.map(async (partition) => {
        const entry = entries[partition];
        const owner = entry?.operation === "PUT" ? entry.string() : undefined;
        if (owner === me && entry) {
          try {
            const revision = await kv.update(leaseKey(partition), me, entry.revision);
            leases.set(partition, { revision, validUntil: started + ttlMs });
          } catch {
            if (leases.has(partition)) await lose(partition);
          }
        } else {
          if (leases.has(partition)) await lose(partition);
          if (owner === undefined) free.push(partition);
        }
      }),
    );

    const before = [...leases.keys()].sort((a, b) => a - b).join(",");
    for (const partition of [...leases.keys()].slice(share)) await release(partition);

    // Start from a different place on each worker, so claims of freed partitions rarely collide.
    const offset = Math.floor(Math.random() * Math.max(free.length, 1));
    for (const partition of [...free.slice(offset), ...free.slice(0, offset)]) {
      if (leases.size >= share) break;
      try {
        const revision = await kv.create(leaseKey(partition), me);
        leases.set(partition, { revision, validUntil: started + ttlMs });
        options.log.debug({ partition }, "partition acquired");
        options.onAcquire(partition);
      } catch {
        // Another worker claimed it first.
      }
    }
    const after = [...leases.keys()].sort((a, b) => a - b);
    if (after.join(",") !== before) options.log.info({ partitions: after, live, share }, "owned partitions changed");
  };

  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        await tick();
      } catch (error) {
        options.log.warn({ err: error }, "partition lease tick failed");
      }
      await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
  })();

  return {
    holds: (partition) => (leases.get(partition)?.validUntil ?? 0) - tickMs > Date.now(),
    owned: () => [...leases.keys()].sort((a, b) => a - b),
    async stop() {
      stopped = true;
      await loop;
      for (const partition of [...leases.keys()]) await release(partition);
      await kv.delete(`w.${me}`).catch(() => undefined);
    },
  };
}
