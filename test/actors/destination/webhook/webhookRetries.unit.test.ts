import { describe, expect, it } from "vitest";
import {
  classifyWebhookAnswer,
  WEBHOOK_RETRY_SCHEDULE_MS,
} from "../../../../actors/destination/webhook/webhookRetries.ts";

const HOUR = 3_600_000;
const production = { baseMs: 5_000, maxMs: 20 * HOUR, random: () => 0.5 };
const headers = (values: Record<string, string> = {}) => new Headers(values);
const now = 1_000_000;

describe("classifyWebhookAnswer", () => {
  it("counts any 2xx as delivered", () => {
    expect(classifyWebhookAnswer({ status: 204, headers: headers() }, 0, now, production)).toEqual({
      kind: "delivered",
      status: 204,
    });
  });

  it("retries for about three days, then gives up", () => {
    const total = WEBHOOK_RETRY_SCHEDULE_MS.reduce((sum, step) => sum + step, 0);
    expect(total / HOUR).toBeGreaterThan(70);
    expect(total / HOUR).toBeLessThan(74);
    const delays = WEBHOOK_RETRY_SCHEDULE_MS.map((_, attempt) =>
      classifyWebhookAnswer({ status: 500, headers: headers() }, attempt, now, production),
    );
    // random 0.5 is no jitter at all: each step as scheduled.
    expect(delays.map((verdict) => (verdict.kind === "retry" ? verdict.delayMs : -1))).toEqual([
      ...WEBHOOK_RETRY_SCHEDULE_MS,
    ]);
    const last = classifyWebhookAnswer({ error: "ECONNRESET" }, WEBHOOK_RETRY_SCHEDULE_MS.length, now, production);
    expect(last).toEqual({
      kind: "refused",
      status: 0,
      message: "given up after 10 tries over about 3 days: ECONNRESET",
    });
  });

  it("jitters each step by at most a fifth", () => {
    const low = classifyWebhookAnswer({ status: 503, headers: headers() }, 3, now, { ...production, random: () => 0 });
    const high = classifyWebhookAnswer({ status: 503, headers: headers() }, 3, now, { ...production, random: () => 1 });
    expect(low).toMatchObject({ kind: "retry", delayMs: 0.8 * 2 * HOUR });
    expect(high).toMatchObject({ kind: "retry", delayMs: 1.2 * 2 * HOUR });
  });

  it("waits as long as Retry-After says when it says longer than the schedule", () => {
    const verdict = classifyWebhookAnswer(
      { status: 429, headers: headers({ "retry-after": "120" }) },
      0,
      now,
      production,
    );
    expect(verdict).toEqual({ kind: "retry", delayMs: 120_000, reason: "429 from the endpoint", rateLimited: true });
    const sooner = classifyWebhookAnswer({ status: 503, headers: headers({ "retry-after": "1" }) }, 2, now, production);
    expect(sooner).toMatchObject({ kind: "retry", delayMs: 30 * 60_000 });
  });

  it("disables the endpoint on 410 Gone, saying why", () => {
    expect(classifyWebhookAnswer({ status: 410, headers: headers() }, 0, now, production)).toEqual({
      kind: "misconfigured",
      reason: "410 Gone: the endpoint asked to receive no more; updateWebhook resumes it",
      disable: true,
    });
  });

  it("counts a redirect as a failure, naming where it pointed", () => {
    const verdict = classifyWebhookAnswer(
      { status: 302, headers: headers({ location: "https://elsewhere.example/" }) },
      0,
      now,
      production,
    );
    expect(verdict).toMatchObject({
      kind: "retry",
      reason: "302 redirect to https://elsewhere.example/ (never followed)",
    });
  });

  it("caps each step by the backoff's maxMs", () => {
    const verdict = classifyWebhookAnswer({ status: 500, headers: headers() }, 5, now, {
      baseMs: 1,
      maxMs: 20,
      random: () => 0.5,
    });
    expect(verdict).toMatchObject({ kind: "retry", delayMs: 20 });
  });
});
