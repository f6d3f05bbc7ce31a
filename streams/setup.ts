import { JetStreamApiError, type JetStreamManager, jetstreamManager, type StreamConfig } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { PARTITIONS_METADATA_KEY, STREAM_NAMES, streamDefinitions } from "./definitions.ts";
import { checkStreamReplicas, replicasRefusal } from "./streamReplicas.ts";

/** What start-up learned from the streams: INGEST's partition count is fixed at its creation. */
export type StreamLayout = { partitions: number };

/**
 * Creates the streams, or brings existing ones up to date, idempotently. Several processes may
 * run this at once: a lost creation race falls through to the update path. Every stream keeps
 * `replicas` copies; an existing stream with another count is updated to it (JetStream adds or
 * removes copies in place, the messages kept). Throws StreamReplicasError when NATS has fewer
 * JetStream servers than `replicas`.
 */
export async function ensureStreams(nc: NatsConnection, wantedPartitions: number, replicas = 1): Promise<StreamLayout> {
  checkStreamReplicas(nc, replicas);
  const jsm = await jetstreamManager(nc);
  const existing = await streamInfo(jsm, STREAM_NAMES.ingest);
  const partitions = Number(existing?.config.metadata?.[PARTITIONS_METADATA_KEY] ?? wantedPartitions);
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new Error(`stream ${STREAM_NAMES.ingest} records an invalid partition count "${partitions}"`);
  }
  for (const definition of streamDefinitions(partitions, replicas)) {
    try {
      await ensureStream(jsm, definition);
    } catch (error) {
      throw replicasRefusal(error, definition.name, replicas);
    }
  }
  return { partitions };
}

/** Reads the layout of streams someone else created (a process that must not create them). */
export async function readStreamLayout(nc: NatsConnection): Promise<StreamLayout | undefined> {
  const jsm = await jetstreamManager(nc);
  const info = await streamInfo(jsm, STREAM_NAMES.ingest);
  if (!info) return undefined;
  return { partitions: Number(info.config.metadata?.[PARTITIONS_METADATA_KEY]) };
}

async function ensureStream(jsm: JetStreamManager, definition: Partial<StreamConfig> & { name: string }) {
  const current = await streamInfo(jsm, definition.name);
  if (!current) {
    try {
      await jsm.streams.add(definition);
      return;
    } catch (error) {
      // Another process created it between our look-up and our add: update below.
      if (!(await streamInfo(jsm, definition.name))) throw error;
    }
  }
  const latest = await streamInfo(jsm, definition.name);
  if (latest && differs(latest.config, definition)) {
    const metadata = { ...latest.config.metadata, ...definition.metadata };
    await jsm.streams.update(definition.name, { ...latest.config, ...definition, metadata });
  }
}

async function streamInfo(jsm: JetStreamManager, name: string) {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === 10059) return undefined;
    throw error;
  }
}

/** Compares only what we define; the server adds metadata keys of its own (`_nats.*`). */
function differs(current: StreamConfig, wanted: Partial<StreamConfig>): boolean {
  return Object.entries(wanted).some(([key, value]) => {
    if (key === "metadata") {
      return Object.entries(wanted.metadata ?? {}).some(([name, v]) => current.metadata?.[name] !== v);
    }
    return JSON.stringify(current[key as keyof StreamConfig] ?? null) !== JSON.stringify(value ?? null);
  });
}
