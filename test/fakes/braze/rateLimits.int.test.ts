import { describe, expect, it } from "vitest";
import { type FakeBraze, startFakeBraze } from "../../../fakes/braze/index.ts";
import { type BrazeResponse, call, manualClock, rateHeaders } from "./brazeHttp.ts";

const body = { attributes: [{ external_id: "u1", n: 1 }] };
const track = (braze: FakeBraze, key = "fake-braze-key") => call(braze.url, "/users/track", body, { key });

/** `n` calls, at most 16 at a time, answers in call order. */
async function burst(n: number, send: () => Promise<BrazeResponse>): Promise<BrazeResponse[]> {
  const answers: BrazeResponse[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const index = next++;
      answers[index] = await send();
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return answers;
}

const expectRateLimited = (response: BrazeResponse, retryAfter: string) => {
  expect(response.status).toBe(429);
  expect(response.body).toEqual({ message: "Rate Limited" });
  expect(rateHeaders(response)).toEqual({ "x-ratelimit-retry-after": retryAfter });
};

describe("/users/track: 3,000 calls per rolling 3 seconds per key", () => {
  it("takes 3,000 calls in one instant, refuses the 3,001st until the window rolls past them", async () => {
    const clock = manualClock();
    await using braze = await startFakeBraze({ now: clock.now });
    const answers = await burst(3_000, () => track(braze));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const remaining = answers.map((answer) => Number(answer.headers["x-ratelimit-remaining"])).sort((a, b) => a - b);
    expect(remaining[0]).toBe(0);
    expect(new Set(remaining).size).toBe(3_000);
    expect(answers[0]?.headers["x-ratelimit-limit"]).toBe("3000");

    expectRateLimited(await track(braze), "3");
    clock.advance(2_999);
    expectRateLimited(await track(braze), "1");
    clock.advance(1);
    const after = await track(braze);
    expect(after.status).toBe(200);
    expect(after.headers["x-ratelimit-remaining"]).toBe("2999");
    expect(braze.state.stats()).toMatchObject({ rateLimited: 2, statuses: { "200": 3_001, "429": 2 } });
  });
});

describe("the rolling window is exact", () => {
  it("counts a call at t against every call in (t - window, t]", async () => {
    const clock = manualClock();
    await using braze = await startFakeBraze({ now: clock.now, rateLimits: { track: { limit: 3, windowMs: 3_000 } } });
    const statusAt = async (offset: number) => {
      clock.set(Date.UTC(2026, 0, 1) + offset);
      return (await track(braze)).status;
    };
    expect([await statusAt(0), await statusAt(1_000), await statusAt(2_000)]).toEqual([200, 200, 200]);
    expect(await statusAt(2_999)).toBe(429);
    expect(await statusAt(3_000)).toBe(200); // the call at 0 has left the window
    expect(await statusAt(3_000)).toBe(429);
    expect(await statusAt(3_999)).toBe(429);
    expect(await statusAt(4_000)).toBe(200);
  });

  it("does not count refused calls: a client knocking through the window still gets in", async () => {
    const clock = manualClock();
    await using braze = await startFakeBraze({ now: clock.now, rateLimits: { track: { limit: 1, windowMs: 1_000 } } });
    expect((await track(braze)).status).toBe(200);
    for (let i = 0; i < 9; i += 1) {
      clock.advance(100);
      expect((await track(braze)).status).toBe(429);
    }
    clock.advance(100);
    expect((await track(braze)).status).toBe(200);
  });

  it("keeps a window per key", async () => {
    const clock = manualClock();
    await using braze = await startFakeBraze({
      now: clock.now,
      keys: ["a", "b"],
      rateLimits: { track: { limit: 1, windowMs: 1_000 } },
    });
    expect((await track(braze, "a")).status).toBe(200);
    expect((await track(braze, "a")).status).toBe(429);
    expect((await track(braze, "b")).status).toBe(200);
  });

  it("takes limits per key", async () => {
    const clock = manualClock();
    await using braze = await startFakeBraze({
      now: clock.now,
      keys: ["small", { key: "big", rateLimits: { track: { limit: 3, windowMs: 1_000 } } }],
      rateLimits: { track: { limit: 1, windowMs: 1_000 } },
    });
    expect(rateHeaders(await track(braze, "small"))["x-ratelimit-limit"]).toBe("1");
    expect(rateHeaders(await track(braze, "big"))["x-ratelimit-limit"]).toBe("3");
  });
});

describe("users-management endpoints share one window", () => {
  it("delete, merge and identify count together; track and export are apart", async () => {
    const clock = manualClock();
    await using braze = await startFakeBraze({
      now: clock.now,
      rateLimits: { usersManagement: { limit: 3, windowMs: 60_000 } },
    });
    const deleted = await call(braze.url, "/users/delete", { external_ids: ["x"] });
    expect(rateHeaders(deleted)).toMatchObject({ "x-ratelimit-limit": "3", "x-ratelimit-remaining": "2" });
    expect((await call(braze.url, "/users/merge", { merge_updates: [] })).status).toBe(202);
    expect((await call(braze.url, "/users/identify", { aliases_to_identify: [] })).status).toBe(201);
    expectRateLimited(await call(braze.url, "/users/delete", { external_ids: ["x"] }), "60");
    expectRateLimited(await call(braze.url, "/users/merge", { merge_updates: [] }), "60");
    expect((await track(braze)).status).toBe(200);
    expect((await call(braze.url, "/users/export/ids", { external_ids: ["x"] })).status).toBe(200);
    clock.advance(60_000);
    expect((await call(braze.url, "/users/identify", { aliases_to_identify: [] })).status).toBe(201);
  });

  it("defaults to 20,000 per minute", async () => {
    await using braze = await startFakeBraze();
    const deleted = await call(braze.url, "/users/delete", { external_ids: ["x"] });
    expect(rateHeaders(deleted)).toMatchObject({ "x-ratelimit-limit": "20000", "x-ratelimit-remaining": "19999" });
  });
});

describe("rate-limit headers on answers other than 429", () => {
  const start = Date.UTC(2026, 0, 1, 0, 0, 0);

  it("give reset as epoch seconds by default", async () => {
    const clock = manualClock(start);
    await using braze = await startFakeBraze({ now: clock.now });
    expect(rateHeaders(await track(braze))).toEqual({
      "x-ratelimit-limit": "3000",
      "x-ratelimit-remaining": "2999",
      "x-ratelimit-reset": String((start + 3_000) / 1000),
    });
    clock.advance(1_000);
    expect(rateHeaders(await track(braze))).toMatchObject({
      "x-ratelimit-remaining": "2998",
      "x-ratelimit-reset": String((start + 3_000) / 1000),
    });
  });

  it("give reset as seconds from now when switched, in process or over HTTP", async () => {
    const clock = manualClock(start);
    await using braze = await startFakeBraze({ now: clock.now });
    braze.setResetHeader("delta");
    expect(rateHeaders(await track(braze))["x-ratelimit-reset"]).toBe("3");
    clock.advance(1_000);
    expect(rateHeaders(await track(braze))["x-ratelimit-reset"]).toBe("2");
    await call(braze.url, "/__fake/settings", { resetHeader: "epoch" });
    expect(rateHeaders(await track(braze))["x-ratelimit-reset"]).toBe(String((start + 3_000) / 1000));
    await using deltaFromStart = await startFakeBraze({ now: clock.now, resetHeader: "delta" });
    expect(rateHeaders(await track(deltaFromStart))["x-ratelimit-reset"]).toBe("3");
  });

  it("come on 400s too, which count against the window", async () => {
    await using braze = await startFakeBraze({ rateLimits: { track: { limit: 2, windowMs: 60_000 } } });
    const bad = await call(braze.url, "/users/track", "not json");
    expect(bad.status).toBe(400);
    expect(rateHeaders(bad)).toMatchObject({ "x-ratelimit-limit": "2", "x-ratelimit-remaining": "1" });
    const invalid = await call(braze.url, "/users/track", {});
    expect(rateHeaders(invalid)).toMatchObject({ "x-ratelimit-remaining": "0" });
    expect((await track(braze)).status).toBe(429);
  });
});
