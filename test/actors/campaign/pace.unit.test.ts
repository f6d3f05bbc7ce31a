import { describe, expect, it } from "vitest";
import { nextRequests, type PaceInput } from "../../../actors/campaign/index.ts";

const given = (input: Partial<PaceInput>): PaceInput => ({
  ready: 500,
  published: 0,
  since: 0,
  now: 0,
  inFlight: 0,
  maxInFlight: 2_000,
  recheckMs: 250,
  ...input,
});

describe("pacing a campaign", () => {
  it("given no maxPerMinute and room in flight, then every ready target goes at once", () => {
    expect(nextRequests(given({}))).toEqual({ publish: 500 });
  });

  it("given requests in flight near the bound, then only what fits goes; at the bound it waits for outcomes", () => {
    expect(nextRequests(given({ inFlight: 1_900 }))).toEqual({ publish: 100 });
    expect(nextRequests(given({ inFlight: 2_000 }))).toEqual({ waitMs: 250 });
  });

  it("given 60 a minute, then the first goes at once, the next a second later, spread evenly", () => {
    expect(nextRequests(given({ maxPerMinute: 60 }))).toEqual({ publish: 1 });
    expect(nextRequests(given({ maxPerMinute: 60, published: 1, now: 400 }))).toEqual({ waitMs: 600 });
    expect(nextRequests(given({ maxPerMinute: 60, published: 1, now: 1_000 }))).toEqual({ publish: 1 });
  });

  it("given a runner that fell behind its pace, then it catches up at once, no more than the pace allows", () => {
    expect(nextRequests(given({ maxPerMinute: 600, published: 10, now: 5_000 }))).toEqual({ publish: 41 });
    expect(nextRequests(given({ maxPerMinute: 600, published: 10, now: 5_000, ready: 7 }))).toEqual({ publish: 7 });
  });
});
