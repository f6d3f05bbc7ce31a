import { describe, expect, it } from "vitest";
import { createRollingLimiter } from "../../../actors/destination/rollingLimiter.ts";
import { virtualTime } from "../../support/virtualTime.ts";

describe("rolling-window limiter", () => {
  it("starts at most `limit` calls in any rolling window, and no fewer than it may", async () => {
    const time = virtualTime();
    const limiter = createRollingLimiter({ limit: 3, windowMs: 1_000, ...time });
    const starts: number[] = [];
    for (let i = 0; i < 7; i++) {
      (await limiter.acquire()).answered();
      starts.push(time.now());
    }
    expect(starts).toEqual([0, 0, 0, 1_000, 1_000, 1_000, 2_000]);
  });

  it("counts each call against the window that follows it, however calls are spread", async () => {
    const time = virtualTime();
    const limiter = createRollingLimiter({ limit: 2, windowMs: 1_000, ...time });
    (await limiter.acquire()).answered();
    await time.sleep(400);
    (await limiter.acquire()).answered();
    (await limiter.acquire()).answered();
    expect(time.now()).toBe(1_000);
    (await limiter.acquire()).answered();
    expect(time.now()).toBe(1_400);
  });

  it("holds a call's place until its answer, then for the window: the provider counted it in between", async () => {
    const time = virtualTime();
    const limiter = createRollingLimiter({ limit: 1, windowMs: 1_000, ...time });
    const first = await limiter.acquire();
    let secondStartedAt: number | undefined;
    const second = limiter.acquire().then((place) => {
      secondStartedAt = time.now();
      return place;
    });
    await time.sleep(300);
    expect(secondStartedAt).toBeUndefined();
    expect(limiter.saturated()).toBe(true);
    first.answered();
    (await second).answered();
    expect(secondStartedAt).toBe(1_300);
  });

  it("holds every start until a provider's reset", async () => {
    const time = virtualTime();
    const limiter = createRollingLimiter({ limit: 100, windowMs: 1_000, ...time });
    limiter.pauseUntil(2_500);
    (await limiter.acquire()).answered();
    expect(time.now()).toBe(2_500);
  });

  it("says when every place is taken", async () => {
    const time = virtualTime();
    const limiter = createRollingLimiter({ limit: 2, windowMs: 1_000, ...time });
    (await limiter.acquire()).answered();
    expect(limiter.saturated()).toBe(false);
    (await limiter.acquire()).answered();
    expect(limiter.saturated()).toBe(true);
    await time.sleep(1_000);
    expect(limiter.saturated()).toBe(false);
  });
});
