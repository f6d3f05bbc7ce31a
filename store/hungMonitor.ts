import type { MongoClient } from "mongodb";

/**
 * The MongoDB driver's server monitor can hang for good (mongodb 7.9): when a server accepts a
 * connection and closes it at once — as one does while it stops or starts — the monitor's
 * handshake may wait on the closed socket forever. No heartbeat then ends, the server stays
 * Unknown, and every operation fails server selection long after the server is back (found by
 * `npm run faults`, the store stopped under load). A heartbeat not ended after `hungAfterMs`
 * means that: the client is closed and connected again, retried until it connects (a closed
 * client does not connect by itself). Its `Db` and collections follow it, so nothing else
 * changes; operations meanwhile fail as in any outage and are retried by their callers.
 * Returns the function that stops watching.
 */
export function reconnectWhenMonitorHangs(
  client: MongoClient,
  hungAfterMs: number,
  onReconnect: (error?: unknown) => void,
): () => void {
  let startedAt: number | undefined;
  let state: "watching" | "connecting" | "busy" = "watching";
  /** Whether the failure to connect again was told already (told once per hang). */
  let failureTold = false;
  client.on("serverHeartbeatStarted", () => {
    startedAt ??= Date.now();
  });
  const ended = () => {
    startedAt = undefined;
  };
  client.on("serverHeartbeatSucceeded", ended);
  client.on("serverHeartbeatFailed", ended);

  const connectAgain = async () => {
    try {
      await client.connect();
      state = "watching";
      startedAt = undefined;
      failureTold = false;
      onReconnect();
    } catch (error) {
      state = "connecting";
      if (!failureTold) onReconnect(error);
      failureTold = true;
    }
  };

  const timer = setInterval(
    () => {
      if (state === "connecting") {
        state = "busy";
        void connectAgain();
      } else if (state === "watching" && startedAt !== undefined && Date.now() - startedAt >= hungAfterMs) {
        state = "busy";
        void client
          .close()
          .catch(() => undefined)
          .then(connectAgain);
      }
    },
    Math.max(100, hungAfterMs / 4),
  );
  timer.unref();
  return () => clearInterval(timer);
}
