import type { NatsConnection } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { listenToAuthChanges } from "../../gateway/authChanges.ts";

/** A connection whose status stream breaks at once; subscribing and flushing work. */
function connectionWithBrokenStatus(): NatsConnection {
  const broken: AsyncIterable<never> = {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.reject(new Error("the status stream broke")),
    }),
  };
  const nc = { subscribe: () => ({ unsubscribe: () => {} }), flush: async () => {}, status: () => broken };
  return nc as unknown as NatsConnection;
}

describe("auth changes, when watching the connection fails", () => {
  it("logs the failure and stops trusting the caches, without an unhandled rejection", async () => {
    const { promise: failed, resolve } = Promise.withResolvers<unknown[]>();
    const log = { debug: () => {}, info: () => {}, warn: () => {}, error: (...args: unknown[]) => resolve(args) };
    const link = {
      nc: connectionWithBrokenStatus(),
      url: "nats://127.0.0.1:4222",
      isConnected: () => true,
      disconnections: () => 0,
      close: async () => {},
    };
    const changes = await listenToAuthChanges(link, log);
    const [context, message] = await failed;
    expect(message).toMatch(/watching the NATS connection failed/);
    expect(context).toEqual({ err: expect.objectContaining({ message: "the status stream broke" }) });
    expect(changes.listening()).toBe(false);
    await changes.stop();
  });
});
