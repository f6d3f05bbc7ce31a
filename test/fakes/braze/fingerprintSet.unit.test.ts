import { describe, expect, it } from "vitest";
import { createFingerprintSet } from "../../../fakes/braze/fingerprintSet.ts";

describe("a fingerprint set", () => {
  it("takes a string once: adding it again answers false", () => {
    const set = createFingerprintSet();
    expect(set.add('{"name":"opened"}')).toBe(true);
    expect(set.add('{"name":"opened"}')).toBe(false);
    expect(set.add('{"name":"opened "}')).toBe(true);
    expect(set.add("")).toBe(true);
    expect(set.add("")).toBe(false);
    expect(set.size).toBe(3);
  });

  it("keeps every member while it grows far past its first table", () => {
    const set = createFingerprintSet();
    const values = Array.from({ length: 50_000 }, (_, i) => JSON.stringify({ external_id: `c-${i}`, n: i }));
    expect(values.every((value) => set.add(value))).toBe(true);
    expect(values.some((value) => set.add(value))).toBe(false);
    expect(set.size).toBe(50_000);
  });
});
