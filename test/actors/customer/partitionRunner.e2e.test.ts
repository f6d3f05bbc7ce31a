import { jetstream } from "@nats-io/jetstream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestMessage } from "../../../actors/customer/applyBatch.ts";
import { startPartitionRunner } from "../../../actors/customer/partitionRunner.ts";
import { createWriteBehind } from "../../../actors/customer/writeBehind.ts";
import type { PartitionCheckpoints } from "../../../store/index.ts";
import { connectNats, ensureStreams, type NatsLink, subjects } from "../../../streams/index.ts";
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
});
