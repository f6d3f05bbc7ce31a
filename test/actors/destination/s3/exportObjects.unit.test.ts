import { describe, expect, it } from "vitest";
import { exportObjects, type ObjectRules } from "../../../../actors/destination/s3/exportObjects.ts";
import type { WindowFact } from "../../../../actors/destination/windowReading.ts";
import type { CustomerFact } from "../../../../model/index.ts";
import { encodeFact } from "../../../../streams/index.ts";

const rules: ObjectRules = {
  prefix: "exports",
  account: "acme",
  kinds: ["PROFILE", "TAGS", "EVENT"],
  rotateSeconds: 60,
  rotateBytes: 5 * 1024 * 1024,
};

const tags = (customerId: string, n: number, at: string): CustomerFact => ({
  type: "tags.changed",
  data: { tags: ["vip"] },
  metadata: { account: "acme", customerId, factId: `f${n}`, at, sourceSeq: n },
});

/** A fact as a window holds it: its payload is what CHANGES holds. */
const inWindow = (seq: number, fact: CustomerFact, resyncId?: string): WindowFact => ({
  seq,
  fact,
  payload: encodeFact(fact),
  ...(resyncId === undefined ? {} : { resyncId }),
});

const keysOf = (facts: WindowFact[], given: ObjectRules = rules) =>
  exportObjects(facts, given).map((object) => [object.key, object.lines.map((line) => line.seq)]);

describe("exportObjects", () => {
  it("writes the facts a resync stands for into its snapshot, per kind, apart from the incremental facts around them", () => {
    const at = "2026-12-03T10:15:00.000Z";
    const facts: WindowFact[] = [
      inWindow(10, tags("ana", 1, at)),
      inWindow(11, tags("bo", 2, at), "r1"),
      inWindow(12, tags("ana", 3, at)),
      inWindow(13, tags("cy", 4, at), "r1"),
      inWindow(14, tags("cy", 5, at), "r2"),
    ];
    expect(keysOf(facts)).toEqual([
      ["exports/acme/tags/dt=2026-12-03/hr=10/10-12.ndjson.gz", [10, 12]],
      ["exports/acme/snapshot/tags/resync=r1/11-13.ndjson.gz", [11, 13]],
      ["exports/acme/snapshot/tags/resync=r2/14-14.ndjson.gz", [14]],
    ]);
  });

  it("cuts a snapshot at rotateBytes only: the hours and seconds its facts span do not cut it", () => {
    const facts: WindowFact[] = [
      inWindow(1, tags("ana", 1, "2026-12-03T10:59:59.000Z"), "r1"),
      inWindow(2, tags("bo", 2, "2026-12-03T11:05:00.000Z"), "r1"),
      inWindow(3, tags("cy", 3, "2026-12-03T11:05:00.000Z"), "r1"),
    ];
    const line = `${JSON.stringify(facts[0]?.fact)}\n`;
    expect(keysOf(facts, { ...rules, prefix: "", rotateBytes: Buffer.byteLength(line) * 2 })).toEqual([
      ["acme/snapshot/tags/resync=r1/1-2.ndjson.gz", [1, 2]],
      ["acme/snapshot/tags/resync=r1/3-3.ndjson.gz", [3]],
    ]);
  });
});
