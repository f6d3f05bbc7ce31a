import { connect, type NatsConnection } from "@nats-io/transport-node";
import { messageOf } from "../model/index.ts";
import { checkMaxPayload } from "./maxPayload.ts";

/** A NATS connection plus whether it is usable right now (it reconnects on its own, forever). */
export type NatsLink = {
  nc: NatsConnection;
  /** The servers as configured (`NATS_URL`: comma-separated URLs). */
  url: string;
  isConnected: () => boolean;
  /** How many times the connection was lost so far: what was in flight then, without a reply, is gone. */
  disconnections: () => number;
  close: () => Promise<void>;
};

/**
 * Connects to NATS and keeps reconnecting whenever the server goes away. `isConnected` lets
 * callers refuse work at once while disconnected, instead of letting the client buffer it. A
 * server whose `max_payload` is below what Masivo's bounds need is refused at once
 * (MaxPayloadTooSmallError): its messages would be refused one by one, later.
 */
export async function connectNats(url: string, name: string, log?: (line: string) => void): Promise<NatsLink> {
  const nc = await connect({
    servers: url.split(","),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    pingInterval: 5_000,
    // Async stack traces build an Error per request; publishing is hot enough to feel it.
    noAsyncTraces: true,
  });
  try {
    checkMaxPayload(url, nc.info?.max_payload ?? 0);
  } catch (error) {
    await nc.close();
    throw error;
  }
  let connected = true;
  let disconnections = 0;
  const watchStatus = async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") {
        connected = false;
        disconnections += 1;
        log?.(`nats: disconnected from ${url}; reconnecting`);
      } else if (status.type === "reconnect") {
        connected = true;
        log?.(`nats: reconnected to ${url}`);
      }
    }
  };
  watchStatus().catch((error: unknown) => {
    // Unwatched, a reconnect would go unseen: work is refused rather than buffered blindly.
    connected = false;
    log?.(`nats: watching the connection to ${url} failed (${messageOf(error)})`);
  });
  return {
    nc,
    url,
    isConnected: () => connected && !nc.isClosed(),
    disconnections: () => disconnections,
    close: async () => {
      if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
    },
  };
}
