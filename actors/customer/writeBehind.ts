import { LRUCache } from "lru-cache";
import { messageOf } from "../../model/index.ts";
import {
  type CustomerDocument,
  type Customers,
  type CustomerWrite,
  isDocumentRefusal,
  type PartitionCheckpoints,
  VersionConflictError,
} from "../../store/index.ts";

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
 * documents are written: if a flush fails, this memory is spoiled (no later flush writes anything
 * or moves the checkpoint, since the checkpoint would cover what failed), the runner waits for
 * every flush to settle, resets it and replays from the checkpoint, and the facts it publishes
 * again carry the same ids, which JetStream drops.
 *
 * When the store refuses a document for what it holds (not for an outage), the failed flush
 * writes its customers one at a time to find which: those are reported by `reset` so the replay
 * can set their commands aside, and the others are written, so the replay skips theirs.
 */
export type WriteBehind = {
  /** The newest known document of a customer, or undefined when it must be read from the store. */
  current: (key: string) => CustomerDocument | undefined;
  /** Records a batch's changed customers and the last sequence the batch covered. */
  stage: (writes: CustomerWrite[], throughSeq: number) => void;
  /** Customers staged and not yet being written. */
  staged: () => number;
  /**
   * Writes what is staged (after any flush in progress) and checkpoints it. Rejects, writing
   * nothing, once a flush has failed, until `reset`.
   */
  flush: () => Promise<void>;
  /** Throws the failure of a flush since the last reset: this memory may no longer be decided on. */
  assertSound: () => void;
  /** Resolves once no flush is running (any failure stays recorded). */
  idle: () => Promise<void>;
  /**
   * Forgets everything, after a failed flush, once no flush is running any more; answers the
   * customers the store refused for good since the last reset.
   */
  reset: () => Promise<StoreRefusal[]>;
};

/** A customer whose document the store refused: its commands through `throughSeq` cannot be stored. */
export type StoreRefusal = { key: string; throughSeq: number; error: string };

export function createWriteBehind(options: WriteBehindOptions): WriteBehind {
  const cache = new LRUCache<string, CustomerDocument>({ max: options.cacheSize });
  let staged = new Map<string, CustomerWrite>();
  let writing = new Map<string, CustomerWrite>();
  let stagedThrough = 0;
  let checkpointed = 0;
  let flushing: Promise<void> | undefined;
  /** Set, synchronously, when a flush fails; cleared only by reset. */
  let failure: { error: unknown } | undefined;
  let refusals: StoreRefusal[] = [];

  const writeStaged = async () => {
    const batch = staged;
    const through = stagedThrough;
    staged = new Map();
    writing = batch;
    try {
      // The lease is re-checked before every write command and before the checkpoint: a worker
      // that lost the partition stops before it could overwrite the next owner's newer state or
      // move the checkpoint past what the next owner has written.
      await options.customers.writeMany([...batch.values()], { beforeEachCommand: options.assertOwnership });
      for (const { document } of batch.values()) cache.set(document._id, document);
      writing = new Map();
      options.assertOwnership();
      await options.checkpoints.set(options.partition, through);
      checkpointed = through;
    } catch (error) {
      // What failed stays in `writing`, so `current` keeps answering the newest state (never an
      // older one from the store) until the runner resets this memory.
      failure ??= { error };
      if (isDocumentRefusal(error)) refusals.push(...(await writeOneByOne([...batch.values()])));
      throw error;
    }
  };

  /** Writes each customer alone, answering those the store refuses; stops at any other failure. */
  const writeOneByOne = async (writes: CustomerWrite[]): Promise<StoreRefusal[]> => {
    const refused: StoreRefusal[] = [];
    for (const write of writes) {
      try {
        options.assertOwnership();
        await options.customers.writeMany([write]);
      } catch (error) {
        // A conflict (the failed bulk wrote it already, or another writer did) is the replay's to read.
        if (error instanceof VersionConflictError) continue;
        if (!isDocumentRefusal(error)) break;
        const { _id: key, lastSeq: throughSeq } = write.document;
        refused.push({ key, throughSeq, error: messageOf(error) });
      }
    }
    return refused;
  };

  const idle = async () => {
    while (flushing) await flushing.catch(() => undefined);
  };

  return {
    current: (key) => staged.get(key)?.document ?? writing.get(key)?.document ?? cache.get(key),
    stage(writes, throughSeq) {
      for (const write of writes) {
        const earlier = staged.get(write.document._id);
        // The store still holds the version (and the denials) the earliest staged change was read at.
        staged.set(
          write.document._id,
          earlier ? { ...write, readVersion: earlier.readVersion, deniedBefore: earlier.deniedBefore } : write,
        );
      }
      stagedThrough = Math.max(stagedThrough, throughSeq);
    },
    staged: () => staged.size,
    async flush() {
      // Waiters re-check `flushing` in the continuation that then acts on it, so two flushes
      // woken together cannot both start writing (nor a reset run while one writes).
      while (flushing) await flushing.catch(() => undefined);
      // A flush queued behind a failed one must not run: its checkpoint would cover the failed
      // flush's customers, which are not in the store.
      if (failure) throw failure.error;
      if (staged.size === 0 && stagedThrough <= checkpointed) return;
      flushing = writeStaged().finally(() => {
        flushing = undefined;
      });
      return flushing;
    },
    assertSound() {
      if (failure) throw failure.error;
    },
    idle,
    async reset() {
      // A flush still running would write and checkpoint after the reset, behind the replay's back.
      while (flushing) await flushing.catch(() => undefined);
      staged = new Map();
      writing = new Map();
      stagedThrough = 0;
      checkpointed = 0;
      failure = undefined;
      cache.clear();
      const found = refusals;
      refusals = [];
      return found;
    },
  };
}
