import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { type LeaseTerm, leaseTerm, openKvBucket, withinTerm } from "../../streams/index.ts";

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
  /**
   * Stop consuming a partition (finishing the batch in hand). A partition given up is still held
   * until this resolves; a lost one is not, and the ticks go on meanwhile, so the same partition
   * may be acquired again before this resolves.
   */
  onRelease: (partition: number) => Promise<void>;
  log: Logger;
};

export type PartitionLeases = {
  /**
   * True while this worker's lease on the partition is safely within its lifetime: until one tick
   * before it could expire, counted from when its last renewal was sent. So it turns false at
   * least a tick before any other worker can claim the partition.
   */
  holds: (partition: number) => boolean;
  owned: () => number[];
  /** True while the last tick that renewed the leases ended within a lease's lifetime. */
  renewing: () => boolean;
  stop: () => Promise<void>;
};

/**
 * Spreads the partitions over the live workers with leases in a NATS KV bucket whose entries
 * expire after `ttlMs`. Every tick a worker renews its heartbeat and its leases (compare-and-set
 * on the revision it holds), gives up leases beyond its fair share (ceil(partitions / live workers)),
 * and claims free partitions (create-if-absent) up to that share. A dead worker's leases expire,
 * and the others claim them on their next tick; a joining worker gets partitions as the others
 * shed their surplus, each stopped (its batch in hand finished and written) before its lease is
 * deleted. Stopping runs beside the ticks, so a slow stop never delays renewing the other leases.
 * The lease decides who consumes: a worker decides, publishes and writes nothing for a
 * partition unless `holds` it, which ends a tick before the lease can pass to anyone else; the
 * `lastSeq` and version checks on the customer documents keep a late writer from applying
 * anything twice.
 */
export async function startPartitionLeases(options: PartitionLeaseOptions): Promise<PartitionLeases> {
  const ttlMs = options.ttlMs ?? 5_000;
  const tickMs = options.tickMs ?? 1_000;
  const kv: KV = await openKvBucket(options.nc, LEASES_BUCKET, { ttl: ttlMs, history: 1 });
  const leases = new Map<number, LeaseTerm>();
  const me = options.workerId;
  const leaseKey = (partition: number) => `p.${partition}`;

  /** Partitions being given up: still held (and renewed) until their consumer has stopped. */
  const releasing = new Set<number>();
  const stopping = new Set<Promise<void>>();
  const inBackground = (work: () => Promise<void>) => {
    const running: Promise<void> = work()
      .catch((error) => options.log.error({ err: error }, "stopping a partition failed"))
      .finally(() => stopping.delete(running));
    stopping.add(running);
  };

  /** The lease is gone (expired, or taken): nothing may be done for the partition any more. */
  const lose = (partition: number) => {
    leases.delete(partition);
    inBackground(() => options.onRelease(partition));
  };

  /** Gives a partition up: stopped while still held (so it can write what it applied), then deleted. */
  const release = (partition: number) => {
    releasing.add(partition);
    inBackground(async () => {
      try {
        await options.onRelease(partition);
      } finally {
        releasing.delete(partition);
      }
      const lease = leases.get(partition);
      if (!lease) return; // Lost meanwhile.
      leases.delete(partition);
      await kv.delete(leaseKey(partition), { previousSeq: lease.revision }).catch(() => undefined);
    });
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
        if (owner === me && entry && leases.has(partition)) {
          try {
            // The store expires the entry `ttlMs` after it receives the update, so after this.
            const sent = Date.now();
            const revision = await kv.update(leaseKey(partition), me, entry.revision);
            // Unless it was given up meanwhile: then the entry left behind is deleted next tick.
            if (leases.has(partition)) leases.set(partition, leaseTerm(revision, sent, ttlMs, tickMs));
          } catch {
            if (leases.has(partition)) lose(partition);
          }
        } else if (owner === me && entry) {
          // Ours by name only (a release whose delete raced a renewal): nothing consumes it.
          await kv.delete(leaseKey(partition), { previousSeq: entry.revision }).catch(() => undefined);
        } else {
          if (leases.has(partition)) lose(partition);
          if (owner === undefined) free.push(partition);
        }
      }),
    );

    const before = [...leases.keys()].sort((a, b) => a - b).join(",");
    const kept = [...leases.keys()].filter((partition) => !releasing.has(partition));
    for (const partition of kept.slice(share)) release(partition);

    // Start from a different place on each worker, so claims of freed partitions rarely collide.
    const offset = Math.floor(Math.random() * Math.max(free.length, 1));
    for (const partition of [...free.slice(offset), ...free.slice(0, offset)]) {
      if (leases.size >= share) break;
      try {
        const sent = Date.now();
        const revision = await kv.create(leaseKey(partition), me);
        leases.set(partition, leaseTerm(revision, sent, ttlMs, tickMs));
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
  // Counted from the start, so a worker is not reported stuck before its first tick could end.
  let renewedAt = Date.now();
  const loop = (async () => {
    while (!stopped) {
      try {
        await tick();
        renewedAt = Date.now();
      } catch (error) {
        options.log.warn({ err: error }, "partition lease tick failed");
      }
      await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
  })();

  return {
    holds: (partition) => withinTerm(leases.get(partition), Date.now()),
    owned: () => [...leases.keys()].sort((a, b) => a - b),
    renewing: () => !stopped && Date.now() - renewedAt < ttlMs,
    async stop() {
      stopped = true;
      await loop;
      for (const partition of [...leases.keys()]) if (!releasing.has(partition)) release(partition);
      while (stopping.size > 0) await Promise.all(stopping);
      await kv.delete(`w.${me}`).catch(() => undefined);
    },
  };
}
