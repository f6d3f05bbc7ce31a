import { LRUCache } from "lru-cache";
import type { CustomerDocument, Customers, CustomerWrite, PartitionCheckpoints } from "../../store/index.ts";

/** Customers written between two checks that the partition is still owned. */
const OWNERSHIP_CHECK_EVERY = 200;

export type WriteBehindOptions = {
  partition: number;
  customers: Customers;
  checkpoints: PartitionCheckpoints;
  /** Customers kept in memory once written. */
  cacheSize: number;
  /** Throws when this worker no longer owns the partition: nothing may be written then. */
  assertOwnership: () => void;
};

/**
 * A partition's customers in memory, written to the store behind the batches that change them.
 * Batches decide on the newest state (staged, being written, or cached); staged changes of one
 * customer coalesce, so a flush writes each changed customer once, however many batches touched
 * it, then moves the partition's checkpoint past everything it covered. Facts leave before their
 * documents are written: if a flush fails, the runner drops this memory and replays from the
 * checkpoint, and the facts it publishes again carry the same ids, which JetStream drops.
 */
export type WriteBehind = {
  /** The newest known document of a customer, or undefined when it must be read from the store. */
  current: (key: string) => CustomerDocument | undefined;
  /** Records a batch's changed customers and the last sequence the batch covered. */
  stage: (writes: CustomerWrite[], throughSeq: number) => void;
  /** Customers staged and not yet being written. */
  staged: () => number;
  /** Writes what is staged (after any flush in progress) and checkpoints it. */
  flush: () => Promise<void>;
  /** Forgets everything, after a failed flush. */
  reset: () => void;
};

export function createWriteBehind(options: WriteBehindOptions): WriteBehind {
  const cache = new LRUCache<string, CustomerDocument>({ max: options.cacheSize });
  let staged = new Map<string, CustomerWrite>();
  let writing = new Map<string, CustomerWrite>();
  let stagedThrough = 0;
  let checkpointed = 0;
  let flushing: Promise<void> | undefined;

  const writeStaged = async () => {
    const batch = staged;
    const through = stagedThrough;
    staged = new Map();
    writing = batch;
    const writes = [...batch.values()];
    // A long flush re-checks the lease between slices and before the checkpoint: a worker that
    // lost the partition stops before it could overwrite the next owner's newer state or move
    // the checkpoint past what the next owner has written.
    for (let start = 0; start < writes.length; start += OWNERSHIP_CHECK_EVERY) {
      options.assertOwnership();
      await options.customers.writeMany(writes.slice(start, start + OWNERSHIP_CHECK_EVERY));
    }
    for (const { document } of batch.values()) cache.set(document._id, document);
    options.assertOwnership();
    await options.checkpoints.set(options.partition, through);
    checkpointed = through;
  };

  return {
    current: (key) => staged.get(key)?.document ?? writing.get(key)?.document ?? cache.get(key),
    stage(writes, throughSeq) {
      for (const write of writes) {
        const earlier = staged.get(write.document._id);
        // The store still holds the version the earliest staged change was read at.
        staged.set(write.document._id, earlier ? { ...write, readVersion: earlier.readVersion } : write);
      }
      stagedThrough = Math.max(stagedThrough, throughSeq);
    },
    staged: () => staged.size,
    async flush() {
      while (flushing) await flushing.catch(() => undefined);
      if (staged.size === 0 && stagedThrough <= checkpointed) return;
      flushing = writeStaged().finally(() => {
        writing = new Map();
        flushing = undefined;
      });
      return flushing;
    },
    reset() {
      staged = new Map();
      writing = new Map();
      stagedThrough = 0;
      checkpointed = 0;
      cache.clear();
    },
  };
}
