import { describe, expect, it } from "vitest";
import { fnv1a32, partitionOf } from "../../streams/index.ts";

describe("partitions", () => {
  it("hashes with 32-bit FNV-1a (reference vectors)", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
  });

  it("hashes UTF-8 bytes, so any customer id has a stable partition", () => {
    // FNV-1a of the bytes c3 b1, not of the UTF-16 code unit 0xf1 (which would give 0x740b78dc).
    expect(fnv1a32("ñ")).toBe(0x069dc2f9);
    // Pinned: a stored INGEST message stays in its customer's partition from one release to the next.
    expect(partitionOf("acme", "cliente/ñ.1 *>", 32)).toBe(13);
  });

  it("separates account and customer, so (ab, c) and (a, bc) differ", () => {
    expect(fnv1a32("ab\u0000c")).not.toBe(fnv1a32("a\u0000bc"));
    expect(partitionOf("ab", "c", 1 << 30)).toBe(fnv1a32("ab\u0000c") % (1 << 30));
  });

  it("spreads customers evenly over the partitions", () => {
    const counts = new Array<number>(32).fill(0);
    for (let i = 0; i < 32_000; i++) {
      const partition = partitionOf("acme", `customer-${i}`, 32);
      counts[partition] = (counts[partition] ?? 0) + 1;
    }
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });
});
