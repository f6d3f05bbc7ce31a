import { describe, expect, it } from "vitest";
import { backoffDelay, exhausted, resumeAt, verdictOf } from "../../../actors/destination/retryPolicy.ts";

const NOW = 1_800_000_000_000;
const headers = (entries: Record<string, string>) => new Headers(entries);

describe("retry policy", () => {
  it("reads when calls may resume from retry-after, or from a reset in either form", () => {
    expect(resumeAt(headers({ "x-ratelimit-retry-after": "2" }), NOW)).toBe(NOW + 2_000);
    expect(resumeAt(headers({ "retry-after": "5" }), NOW)).toBe(NOW + 5_000);
    // Epoch seconds (above 10^9) and seconds to wait are both documented for x-ratelimit-reset.
    expect(resumeAt(headers({ "x-ratelimit-reset": String(NOW / 1000 + 3) }), NOW)).toBe(NOW + 3_000);
    expect(resumeAt(headers({ "x-ratelimit-reset": "3" }), NOW)).toBe(NOW + 3_000);
    expect(resumeAt(headers({}), NOW)).toBeUndefined();
    expect(exhausted(headers({ "x-ratelimit-remaining": "0" }))).toBe(true);
    expect(exhausted(headers({ "x-ratelimit-remaining": "12" }))).toBe(false);
  });

  it("retries 5xx, 429 and timeouts; pauses on 401/403; refuses other 4xx", () => {
    const backoff = { baseMs: 100, maxMs: 1_000, random: () => 1 };
    expect(verdictOf({ status: 200, headers: headers({}) }, 0, NOW)).toEqual({ kind: "delivered" });
    expect(verdictOf({ status: 202, headers: headers({}) }, 0, NOW)).toEqual({ kind: "delivered" });
    expect(verdictOf({ status: 503, headers: headers({}) }, 2, NOW, backoff)).toMatchObject({
      kind: "retry",
      delayMs: 400,
    });
    expect(verdictOf({ error: "TimeoutError" }, 0, NOW, backoff)).toMatchObject({ kind: "retry", delayMs: 100 });
    expect(
      verdictOf({ status: 429, headers: headers({ "x-ratelimit-retry-after": "7" }) }, 0, NOW, backoff),
    ).toMatchObject({ kind: "retry", delayMs: 7_000 });
    expect(verdictOf({ status: 429, headers: headers({}) }, 3, NOW, backoff)).toMatchObject({
      kind: "retry",
      delayMs: 800,
    });
    expect(verdictOf({ status: 401, headers: headers({}) }, 0, NOW).kind).toBe("misconfigured");
    expect(verdictOf({ status: 403, headers: headers({}) }, 0, NOW).kind).toBe("misconfigured");
    expect(verdictOf({ status: 400, headers: headers({}) }, 0, NOW).kind).toBe("refused");
  });

  it("backs off exponentially with full jitter, capped", () => {
    expect(backoffDelay(0, { baseMs: 500, maxMs: 60_000, random: () => 1 })).toBe(500);
    expect(backoffDelay(4, { baseMs: 500, maxMs: 60_000, random: () => 1 })).toBe(8_000);
    expect(backoffDelay(20, { baseMs: 500, maxMs: 60_000, random: () => 1 })).toBe(60_000);
    expect(backoffDelay(4, { baseMs: 500, maxMs: 60_000, random: () => 0.25 })).toBe(2_000);
  });
});
