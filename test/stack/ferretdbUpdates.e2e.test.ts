import { describe, expect, it } from "vitest";
import { connectStore } from "../../store/index.ts";
import { isolatedMongoUrl, uniqueId } from "../support/world.ts";

/**
 * Found by `npm run faults`: FerretDB v1 updates a document by reading it and writing it back
 * whole, so two updates of one document at once lost one (an audience run's `total` overwritten
 * by the tracker's counts). The local server serializes such commands (stack/ferretdb/serialwrites.go).
 */
describe("the local MongoDB-compatible server", () => {
  it("applies concurrent updates of one document, from two clients, every one", { timeout: 120_000 }, async () => {
    const url = isolatedMongoUrl(uniqueId("db"));
    const [a, b] = await Promise.all([connectStore(url), connectStore(url)]);
    try {
      type Counters = { _id: string; n: number; m: number; last: number };
      const one = a.db.collection<Counters>("counters");
      const other = b.db.collection<Counters>("counters");
      await one.insertOne({ _id: "d", n: 0, m: 0, last: 0 });
      await Promise.all([
        (async () => {
          for (let i = 0; i < 200; i++) await one.updateOne({ _id: "d" }, { $inc: { n: 1 } });
        })(),
        (async () => {
          for (let i = 1; i <= 200; i++) await other.updateOne({ _id: "d" }, { $set: { last: i }, $inc: { m: 1 } });
        })(),
      ]);
      expect(await one.findOne({ _id: "d" })).toEqual({ _id: "d", n: 200, m: 200, last: 200 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
