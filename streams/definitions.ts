import type { StreamConfig } from "@nats-io/jetstream";
import { DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream";

const second = 1_000_000_000; // JetStream durations are nanoseconds
const hour = 3600 * second;
const day = 24 * hour;

/**
 * How long JetStream remembers a `Nats-Msg-Id`: a client retrying a command, or a worker
 * republishing outputs after a crash, within this window is stored once.
 */
export const DUPLICATE_WINDOW_NS = 2 * hour;

/** Stream metadata key that records INGEST's partition count, fixed when the stream is created. */
export const PARTITIONS_METADATA_KEY = "masivo.partitions";

export const STREAM_NAMES = {
  ingest: "INGEST",
  changes: "CHANGES",
  messages: "MESSAGES",
  timers: "TIMERS",
  audienceRuns: "AUDIENCE_RUNS",
} as const;

type StreamDefinition = Pick<StreamConfig, "name" | "subjects"> & Partial<StreamConfig>;

/**
 * The streams of docs/architecture.md ("Streams"), with limits retention (consumers ack, age and size bound
 * growth), plus AUDIENCE_RUNS: a work queue of audience runs for the `audiences` role. Every stream
 * keeps `replicas` copies (MASIVO_STREAM_REPLICAS), one per JetStream server of the cluster.
 */
export function streamDefinitions(partitions: number, replicas: number): StreamDefinition[] {
  const common = {
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
    duplicate_window: DUPLICATE_WINDOW_NS,
  } satisfies Partial<StreamConfig>;
  return [
    {
      ...common,
      name: STREAM_NAMES.ingest,
      subjects: ["in.>"],
      max_age: 7 * day,
      description: "Commands for customers, one subject per account and partition",
      metadata: { [PARTITIONS_METADATA_KEY]: String(partitions) },
      // A request's commands are stored all or none (streams/atomicPublish.ts).
      allow_atomic: true,
    },
    {
      ...common,
      name: STREAM_NAMES.changes,
      subjects: ["chg.>"],
      max_age: 7 * day,
      description: "Facts decided by customer actors, consumed by destinations and subscriptions",
    },
    {
      ...common,
      name: STREAM_NAMES.messages,
      subjects: ["msg.>"],
      max_age: 7 * day,
      description: "Sends decided by customer actors, consumed by channels",
      // Quiet hours defer a send with a message schedule firing into its channel's subject.
      allow_msg_schedules: true,
    },
    {
      ...common,
      name: STREAM_NAMES.timers,
      subjects: ["tmr.>"],
      // No max_age: a schedule must outlive the longest wait, or it is silently deleted.
      max_age: 0,
      allow_msg_schedules: true,
      allow_msg_ttl: true,
      description: "Durable timers: pending schedules fire into tmr.fire.<account>.<partition>",
    },
    {
      ...common,
      name: STREAM_NAMES.audienceRuns,
      subjects: ["aud.>"],
      // A work queue: a run is removed once an `audiences` process has carried it out and acked it.
      retention: RetentionPolicy.Workqueue,
      max_age: 7 * day,
      description: "Audience runs (recalculate, sweep, delete) waiting for the audiences role",
    },
  ];
}
