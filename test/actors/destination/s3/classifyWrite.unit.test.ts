import { describe, expect, it } from "vitest";
import { classifyWrite } from "../../../../actors/destination/s3/classifyWrite.ts";

const backoff = { baseMs: 100, maxMs: 1_000, random: () => 1 };
const classify = (answer: Parameters<typeof classifyWrite>[0], attempt = 0) =>
  classifyWrite(answer, attempt, 0, backoff);

describe("what writing an object came to", () => {
  it("is written on a 2xx", () => {
    expect(classify({ status: 200 })).toEqual({ kind: "delivered", status: 200 });
  });

  it("retries no answer and 5xx with backoff, and holds every write on SlowDown or 429", () => {
    expect(classify({ error: "s3://b/k: socket hang up" }, 2)).toEqual({
      kind: "retry",
      delayMs: 400,
      reason: "s3://b/k: socket hang up",
    });
    expect(classify({ status: 500, code: "InternalError", message: "s3://b/k: oops" })).toMatchObject({
      kind: "retry",
      delayMs: 100,
    });
    expect(classify({ status: 503, code: "SlowDown", message: "s3://b/k: reduce" })).toMatchObject({
      kind: "retry",
      rateLimited: true,
    });
    expect(classify({ status: 429 })).toMatchObject({ kind: "retry", rateLimited: true });
  });

  it("pauses the export on any other refusal, saying S3's code and words, rather than dropping facts", () => {
    for (const [status, code] of [
      [403, "AccessDenied"],
      [404, "NoSuchBucket"],
      [301, "PermanentRedirect"],
      [400, "InvalidRequest"],
    ] as const) {
      expect(classify({ status, code, message: "s3://b/k: no" })).toEqual({
        kind: "misconfigured",
        reason: `${status} ${code}: s3://b/k: no`,
      });
    }
  });
});
