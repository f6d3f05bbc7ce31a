import type { Db } from "mongodb";

type CheckpointDocument = { _id: string; seq: number; updatedAt: Date };

/**
 * How far each INGEST partition has been applied: every message at or below `seq` is in the
 * customer documents. A worker that takes a partition over starts reading just after it.
 */
export type PartitionCheckpoints = {
  get: (partition: number) => Promise<number>;
  set: (partition: number, seq: number) => Promise<void>;
};

export function partitionCheckpointsRepository(db: Db): PartitionCheckpoints {
  const collection = db.collection<CheckpointDocument>("partitionCheckpoints");
  const id = (partition: number) => `customers:${partition}`;
  return {
    async get(partition) {
      return (await collection.findOne({ _id: id(partition) }))?.seq ?? 0;
    },
    async set(partition, seq) {
      await collection.replaceOne({ _id: id(partition) }, { seq, updatedAt: new Date() }, { upsert: true });
    },
  };
}
