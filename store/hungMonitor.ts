import type { MongoClient } from "mongodb";

/**
 * The MongoDB driver's server monitor can hang for good (mongodb 7.9): when a server accepts a
 * connection and closes it at once — as one does while it stops or starts — the monitor's
 * handshake may wait on the closed socket forever. No heartbeat then ends, the server stays
 * Unknown, and every operation fails server selection long after the server is back (found by
 * `npm run faults`, the store stopped under load). A heartbeat not ended after `hungAfterMs`
 * means that: the client is closed and connected again. Its `Db` and collections follow it, so
 * nothing else changes; operations in flight fail as in any outage and are retried by their callers.
 * Returns the function that stops watching.
 */
export function reconnectWhenMonitorHangs(
  client: MongoClient,
  hungAfterMs: number,
  onReconnect: (error?: unknown) => void,
): () => void {
  let startedAt: number | undefined;
  let reconnecting = false;
  client.on("serverHeartbeatStarted", () => {
    startedAt ??= Date.now();
  });
  const ended = () => {
    startedAt = undefined;
  };
  client.on("serverHeartbeatSucceeded", ended);
  client.on("serverHeartbeatFailed", ended);

  const timer = setInterval(
    () => {
      if (reconnecting || startedAt === undefined || Date.now() - startedAt < hungAfterMs) return;
      reconnecting = true;
      startedAt = undefined;
      void (async () => {
        try {
          await client.close();
          await client.connect();
          onReconnect();
        } catch (error) {
          // Not reachable yet: the next operation connects it (the driver connects on first use).
          onReconnect(error);
        } finally {
          reconnecting = false;
        }
      })();
    },
    Math.max(100, hungAfterMs / 4),
  );
  timer.unref();
  return () => clearInterval(timer);
}
