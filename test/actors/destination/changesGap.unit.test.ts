import { describe, expect, it } from "vitest";
import { findChangesGap } from "../../../actors/destination/changesGap.ts";

const since = new Date("2026-01-10T00:00:00Z");
const before = new Date("2026-01-09T00:00:00Z");
const after = new Date("2026-01-11T00:00:00Z");

describe("findChangesGap", () => {
  it("finds the facts after the last fact synced that the stream no longer holds", () => {
    expect(findChangesGap({ synced: 10, since }, { firstSeq: 25, firstAt: after })).toEqual({
      firstLost: 11,
      lastLost: 24,
    });
  });

  it("finds none when the stream still holds the fact right after the last fact synced", () => {
    expect(findChangesGap({ synced: 10, since }, { firstSeq: 11, firstAt: after })).toBeUndefined();
    expect(findChangesGap({ synced: 10, since }, { firstSeq: 3, firstAt: before })).toBeUndefined();
  });

  it("counts an emptied stream, which starts after its last fact, as a gap", () => {
    expect(findChangesGap({ synced: 10, since }, { firstSeq: 31, firstAt: new Date(0) })).toEqual({
      firstLost: 11,
      lastLost: 30,
    });
  });

  it("with nothing acked, finds a gap only when removed facts may have been newer than since", () => {
    expect(findChangesGap({ synced: 0, since }, { firstSeq: 7, firstAt: after })).toEqual({
      firstLost: 1,
      lastLost: 6,
    });
    expect(findChangesGap({ synced: 0, since }, { firstSeq: 7, firstAt: before })).toBeUndefined();
    expect(findChangesGap({ synced: 0, since }, { firstSeq: 1, firstAt: after })).toBeUndefined();
  });
});
