import { describe, expect, it } from "vitest";
import { classifyTopicAnswer } from "../../../../actors/channel/push/classifyTopicAnswer.ts";

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  body,
  headers: new Headers(headers),
});

describe("classifyTopicAnswer", () => {
  it("given per-token results, answers each token in input order", () => {
    const results = [{}, { error: "NOT_FOUND" }, { error: "INTERNAL" }, { error: "TOO_MANY_TOPICS" }];
    const answers = classifyTopicAnswer(answer(200, { results }), ["a", "b", "c", "d"], "subscribed", 0);
    expect(answers).toEqual([
      { token: "a", kind: "subscribed" },
      { token: "b", kind: "deadToken", reason: "Instance ID refused the token: NOT_FOUND" },
      { token: "c", kind: "retry", reason: "Instance ID refused the token: INTERNAL" },
      { token: "d", kind: "failed", reason: "Instance ID refused the token: TOO_MANY_TOPICS" },
    ]);
  });

  it("given a 200 whose results do not line up with the tokens, answers failed for the call", () => {
    expect(classifyTopicAnswer(answer(200, { results: [{}] }), ["a", "b"], "unsubscribed", 0)).toMatchObject({
      kind: "failed",
    });
  });

  it("given 429 with an HTTP-date Retry-After, answers retry after that long", () => {
    const now = Date.parse("2026-12-03T10:00:00Z");
    const throttled = answer(429, { error: "RESOURCE_EXHAUSTED" }, { "retry-after": "Thu, 03 Dec 2026 10:00:30 GMT" });
    expect(classifyTopicAnswer(throttled, ["a"], "subscribed", now)).toEqual({
      kind: "retry",
      reason: "Instance ID 429 RESOURCE_EXHAUSTED",
      afterMs: 30_000,
    });
  });

  it("given 401 or 403, answers misconfigured; given 400, failed with Google's message", () => {
    expect(classifyTopicAnswer(answer(403, { error: "PERMISSION_DENIED" }), ["a"], "subscribed", 0)).toMatchObject({
      kind: "misconfigured",
    });
    const tooMany = answer(400, { error: "INVALID_ARGUMENT", message: "at most 1000 registration tokens a call" });
    expect(classifyTopicAnswer(tooMany, ["a"], "subscribed", 0)).toEqual({
      kind: "failed",
      reason: "Instance ID 400 INVALID_ARGUMENT: at most 1000 registration tokens a call",
    });
  });
});
