import { describe, expect, it } from "vitest";
import { WEBHOOK_LIMITS, webhookLimitsOf } from "../../../../actors/destination/webhook/webhookProvider.ts";

describe("an endpoint's own limits", () => {
  it("keeps the usual ones when it asks for nothing (endpoints created before maxPerSecond)", () => {
    expect(webhookLimitsOf({})).toEqual({ callsPerWindow: 50, concurrency: 20, windowSize: 500 });
  });

  it("sends at its maxPerSecond, with enough in flight for answers within 100 ms", () => {
    expect(webhookLimitsOf({ maxPerSecond: 10 })).toMatchObject({ callsPerWindow: 10, concurrency: 20 });
    expect(webhookLimitsOf({ maxPerSecond: 2_000 })).toEqual({
      callsPerWindow: 2_000,
      concurrency: 200,
      windowSize: 2_000,
    });
  });

  it("never holds more than 500 deliveries in flight", () => {
    expect(webhookLimitsOf({ maxPerSecond: 10_000 }).concurrency).toBe(500);
    expect(WEBHOOK_LIMITS.windowMs).toBe(1_000);
  });
});
