import { JetStreamApiError } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";

/** JetStream's codes for a stream whose replicas the servers cannot place. */
const NO_SUITABLE_PEERS = 10005;
const REPLICAS_NOT_SUPPORTED = 10074;

/** MASIVO_STREAM_REPLICAS asks for more copies of a stream than NATS has JetStream servers to hold them. */
export class StreamReplicasError extends Error {
  override name = "StreamReplicasError";
  readonly code = "STREAM_REPLICAS";
  readonly replicas: number;

  constructor(replicas: number, reason: string, options?: ErrorOptions) {
    super(
      `MASIVO_STREAM_REPLICAS is ${replicas}, but ${reason}: set MASIVO_STREAM_REPLICAS to at most the number of ` +
        "JetStream servers of the NATS cluster (1 for a single server)",
      options,
    );
    this.replicas = replicas;
  }
}

/**
 * Refuses at once replicas that the NATS server we reached cannot hold: a server outside any
 * cluster holds one copy, and a cluster fewer copies than it has servers. A cluster whose servers
 * do not all run JetStream is caught by the server itself when a stream is placed
 * (`replicasRefusal`).
 */
export function checkStreamReplicas(nc: NatsConnection, replicas: number): void {
  if (replicas === 1) return;
  const info = nc.info;
  if (!info?.cluster) {
    throw new StreamReplicasError(
      replicas,
      `the NATS server ${info?.server_name ?? "reached"} is not part of a cluster`,
    );
  }
  // Every server of the cluster advertises its client address (unless told not to, then this is empty).
  const servers = info.connect_urls?.length ?? 0;
  if (servers > 0 && servers < replicas) {
    throw new StreamReplicasError(replicas, `the NATS cluster ${info.cluster} has ${servers} servers`);
  }
}

/** The refusal of a stream's creation or update, told in the setting's words when replicas caused it. */
export function replicasRefusal(error: unknown, stream: string, replicas: number): unknown {
  if (
    replicas > 1 &&
    error instanceof JetStreamApiError &&
    (error.code === NO_SUITABLE_PEERS || error.code === REPLICAS_NOT_SUPPORTED)
  ) {
    return new StreamReplicasError(
      replicas,
      `NATS could not place ${replicas} copies of stream ${stream} (${error.message}): fewer JetStream servers are up`,
      { cause: error },
    );
  }
  return error;
}
