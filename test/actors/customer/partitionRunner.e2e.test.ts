import { jetstream } from "@nats-io/jetstream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestMessage } from "../../../actors/customer/applyBatch.ts";
import { startPartitionRunner } from "../../../actors/customer/partitionRunner.ts";
import { createWriteBehind } from "../../../actors/customer/writeBehind.ts";
import type { PartitionCheckpoints } from "../../../store/index.ts";
import { connectNats, ensureStreams, type NatsLink, pullBytes, subjects } from "../../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { waitFor } from "../../support/streamReader.ts";

let nats: PrivateNats;
let link: NatsLink;

beforeAll(async () => {
  nats = await startPrivateNats();
  link = await connectNats(nats.url, "partition-runner-test");
  await ensureStreams(link.nc, 1);
});
afterAll(async () => {
  await link?.close();
  await nats?.close();
});

/** Checkpoints in memory whose first `failures` reads fail, as a store blip would. */
function flakyCheckpoints(failures: number): PartitionCheckpoints & { reads: () => number } {
  let reads = 0;
  return {
    reads: () => reads,
    async get() {
      reads += 1;
      if (reads <= failures) throw new Error("store unreachable");
      return 0;
    },
    set: async () => {},
  };
}

describe("a partition runner", () => {
  it("given a store blip when it starts, when the checkpoint read fails, then it reads it again and consumes the partition", async () => {
    const js = jetstream(link.nc);
    for (const text of ["a", "b", "c"]) await js.publish(subjects.ingest("acme", 0), new TextEncoder().encode(text));
    const checkpoints = flakyCheckpoints(2);
    const applied: IngestMessage[] = [];
    const memory = createWriteBehind({
      partition: 0,
      customers: { get: async () => undefined, loadMany: async () => new Map(), writeMany: async () => {} },
      checkpoints,
      cacheSize: 10,
      assertOwnership: () => {},
    });

    const runner = startPartitionRunner({
      partition: 0,
      js,
      pullBytes: pullBytes(link.nc),
      checkpoints,
      memory,
      stillOwned: () => true,
      log: pino({ level: "silent" }),
      apply: async (messages) => {
        applied.push(...messages);
        return { applied: messages.length, skipped: 0, deadLettered: 0, writes: [] };
      },
    });
    try {
      await waitFor("the three commands", async () => (applied.length === 3 ? true : undefined));
      expect(applied.map((message) => new TextDecoder().decode(message.data))).toEqual(["a", "b", "c"]);
      expect(checkpoints.reads()).toBe(3);
    } finally {
      await runner.stop();
    }
  });
  it("given more large commands than nats-server holds for a slow reader, when applying them keeps the process busy, then it reads them a few at a time and is never dropped", async () => {
    // 300 commands near the 256 KiB bound: 75 MB, above nats-server's 64 MiB `max_pending`. Read
    // 1,000 at a time, the server pushed them all while the process was busy, dropped it, and so
    // on again after each reconnection: the partition never got through them.
    const large = await connectNats(nats.url, "partition-runner-large");
    const js = jetstream(large.nc);
    const body = (i: number) => new TextEncoder().encode(`${i}:${"x".repeat(250_000)}`);
    await Promise.all(Array.from({ length: 300 }, (_, i) => js.publish(subjects.ingest("large", 1), body(i))));
    const dropped: string[] = [];
    void (async () => {
      for await (const status of large.nc.status()) if (status.type === "disconnect") dropped.push(status.type);
    })();
    const applied: string[] = [];
    const runner = startPartitionRunner({
      partition: 1,
      js,
      pullBytes: pullBytes(large.nc),
      checkpoints: flakyCheckpoints(0),
      memory: createWriteBehind({
        partition: 1,
        customers: { get: async () => undefined, loadMany: async () => new Map(), writeMany: async () => {} },
        checkpoints: flakyCheckpoints(0),
        cacheSize: 10,
        assertOwnership: () => {},
      }),
      stillOwned: () => true,
      log: pino({ level: "silent" }),
      apply: async (messages) => {
        // Deciding commands is CPU work: the event loop reads nothing meanwhile, here for 3 s at once.
        const busyUntil = applied.length === 0 ? Date.now() + 3_000 : 0;
        while (Date.now() < busyUntil) applied.length;
        for (const message of messages) {
          applied.push(new TextDecoder().decode(message.data.subarray(0, 8)).split(":")[0] ?? "");
        }
        return { applied: messages.length, skipped: 0, deadLettered: 0, writes: [] };
      },
    });
    try {
      await waitFor("the 300 commands", async () => (applied.length >= 300 ? true : undefined), 60_000);
      expect(applied).toEqual(Array.from({ length: 300 }, (_, i) => String(i)));
      expect(dropped).toEqual([]);
    } finally {
      await runner.stop();
      await large.close();
    }
  }, 90_000);
});
