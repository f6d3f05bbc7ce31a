import { JetStreamApiError, jetstreamManager } from "@nats-io/jetstream";
import { type KV, Kvm, type KvOptions } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { STREAM_NAMES } from "./definitions.ts";

/** JetStream's code for a stream that does not exist. */
const STREAM_NOT_FOUND = 10059;

/**
 * Opens a KV bucket, creating it if needed, with as many copies as the streams keep (INGEST's
 * replicas, which start-up set from MASIVO_STREAM_REPLICAS; 1 before any stream exists). A bucket
 * left with another count (created before the setting changed) is scaled to it: leases and
 * catalogs held by one server would stop every worker relying on them when that server is lost.
 */
export async function openKvBucket(
  nc: NatsConnection,
  bucket: string,
  options: Partial<Omit<KvOptions, "replicas">>,
): Promise<KV> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const replicas = await jsm.streams
    .info(STREAM_NAMES.ingest)
    .then((info) => info.config.num_replicas)
    .catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === STREAM_NOT_FOUND) return 1;
      throw error;
    });
  // Kvm.create binds to an existing bucket as it is, whatever the options say.
  const kv = await new Kvm(nc).create(bucket, { ...options, replicas });
  const { config } = await jsm.streams.info(`KV_${bucket}`);
  if (config.num_replicas !== replicas) await jsm.streams.update(config.name, { ...config, num_replicas: replicas });
  return kv;
}
