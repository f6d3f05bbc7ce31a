import { z } from "zod";
import { type NatsLink, subjects } from "../streams/index.ts";
import { TRUSTED_FOR_MS } from "./announcedCache.ts";
import type { GatewayLogger } from "./logger.ts";

const authChangeSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("apiKeyRevoked"), account: z.string(), keyId: z.string() }),
  z.object({ type: z.literal("sdkAuthenticationChanged"), account: z.string() }),
]);

/** A change to who may authenticate, which every gateway's caches must drop at once. */
export type AuthChange = z.infer<typeof authChangeSchema>;

/** What a cache is told: one change, or that changes may have been missed while NATS was away. */
export type AuthChangeListener = (change: AuthChange | { type: "missed" }) => void;

export type AuthChanges = {
  /**
   * Tells this process's listeners at once, then every other gateway; resolves once the NATS
   * server has the message. The change is already stored: when NATS cannot take it, the failure
   * is logged and the other gateways drop it when their cached copy expires (`TRUSTED_FOR_MS`).
   */
  announce: (change: AuthChange) => Promise<void>;
  /** False while this process may be missing announcements: its caches must not be trusted then. */
  listening: () => boolean;
  onChange: (listener: AuthChangeListener) => void;
  stop: () => Promise<void>;
};

/** An announcement NATS has not confirmed by then is given up: the caches' lifetime bounds it. */
const ANNOUNCE_TIMEOUT_MS = 2_000;

/**
 * Listens to `auth.changes` on core NATS. A broadcast is lost while a gateway is disconnected, so
 * `listening` is false from a disconnect (or a stale connection) until the reconnect, which tells
 * every listener that changes were missed.
 */
export async function listenToAuthChanges(link: NatsLink, log: GatewayLogger): Promise<AuthChanges> {
  const listeners: AuthChangeListener[] = [];
  const tell = (change: AuthChange | { type: "missed" }) => {
    for (const listener of listeners) listener(change);
  };
  let connected = true;
  const subscription = link.nc.subscribe(subjects.authChanges, {
    callback: (error, message) => {
      if (error) {
        log.error({ err: error }, "auth changes subscription failed; caches bypassed until a reconnect");
        connected = false;
        return;
      }
      const parsed = authChangeSchema.safeParse(readJson(message.data));
      if (parsed.success) tell(parsed.data);
      else log.error({ issues: parsed.error.issues }, "unreadable auth change ignored");
    },
  });
  // The server holds the subscription before this gateway serves its first request.
  await link.nc.flush();
  let stopped = false;
  // Ends when the connection closes; nats.js offers no other way to leave it.
  const watchConnection = async () => {
    for await (const status of link.nc.status()) {
      if (stopped) return;
      if (status.type === "disconnect" || status.type === "staleConnection") connected = false;
      if (status.type === "reconnect") {
        tell({ type: "missed" });
        connected = true;
      }
    }
  };
  watchConnection().catch((error: unknown) => {
    // Without the connection's news, announcements may be missed unnoticed: never trust the caches again.
    connected = false;
    log.error({ err: error }, "watching the NATS connection failed; caches bypassed until the gateway restarts");
  });
  return {
    async announce(change) {
      tell(change);
      try {
        await publishConfirmed(link, JSON.stringify(change));
      } catch (error) {
        log.error(
          { err: error, change },
          `auth change not announced; other gateways apply it within ${TRUSTED_FOR_MS / 1000} s`,
        );
      }
    },
    listening: () => connected && link.isConnected(),
    onChange: (listener) => {
      listeners.push(listener);
    },
    async stop() {
      stopped = true;
      connected = false;
      subscription.unsubscribe();
    },
  };
}

async function publishConfirmed(link: NatsLink, payload: string): Promise<void> {
  if (!link.isConnected()) throw new Error("NATS is unreachable");
  link.nc.publish(subjects.authChanges, payload);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`NATS did not confirm within ${ANNOUNCE_TIMEOUT_MS} ms`)),
      ANNOUNCE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([link.nc.flush(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function readJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}
