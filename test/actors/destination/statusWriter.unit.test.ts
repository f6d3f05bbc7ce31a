import pino from "pino";
import { describe, expect, it } from "vitest";
import type { StatusChange } from "../../../actors/destination/integrationHealth.ts";
import { createStatusWriter } from "../../../actors/destination/statusWriter.ts";

/** A store that refuses writes while `down`; each wait between tries is released by the test. */
function world() {
  const store = { down: true, stored: [] as StatusChange[], refused: 0 };
  const waits: (() => void)[] = [];
  let waited: (() => void) | undefined;
  const writer = createStatusWriter({
    store: async (change) => {
      if (store.down) {
        store.refused += 1;
        throw new Error("the store is down");
      }
      store.stored.push(change);
    },
    retryMs: 1_000,
    sleep: (_ms, signal) =>
      new Promise<void>((resolve, reject) => {
        waits.push(resolve);
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        waited?.();
      }),
    log: pino({ level: "silent" }),
  });
  /** Resolves once the writer waits to try again. */
  const nextWait = () =>
    new Promise<void>((resolve) => {
      waited = resolve;
    });
  return { store, writer, waits, nextWait };
}

describe("an integration's status writer", () => {
  it("writes the latest status only, again after each refusal, once the store takes it", async () => {
    const { store, writer, waits, nextWait } = world();
    const waiting = nextWait();
    writer.write({ status: "DEGRADED", lastError: "retrying: 503" });
    await waiting;
    writer.write({ status: "HEALTHY" });
    store.down = false;
    waits.shift()?.();
    await writer.stored();
    expect(store.refused).toBe(1);
    expect(store.stored).toEqual([{ status: "HEALTHY" }]);
  });

  it("gives up what is not stored when stopped", async () => {
    const { store, writer, nextWait } = world();
    const waiting = nextWait();
    writer.write({ status: "DEGRADED", lastError: "retrying: 503" });
    await waiting;
    writer.stop();
    await writer.stored();
    writer.write({ status: "HEALTHY" });
    await writer.stored();
    expect(store.stored).toEqual([]);
  });
});
