import { describe, expect, it } from "vitest";
import { RollingWindow } from "../../../fakes/braze/RollingWindow.ts";

describe("RollingWindow", () => {
  it("allows `limit` calls in (t - window, t] and says when the oldest leaves", () => {
    const window = new RollingWindow(2, 1_000);
    expect(window.tryAcquire(0)).toEqual({ allowed: true, limit: 2, remaining: 1, resetAtMs: 1_000 });
    expect(window.tryAcquire(400)).toEqual({ allowed: true, limit: 2, remaining: 0, resetAtMs: 1_000 });
    expect(window.tryAcquire(999)).toEqual({ allowed: false, limit: 2, retryAfterMs: 1 });
    expect(window.tryAcquire(1_000)).toEqual({ allowed: true, limit: 2, remaining: 0, resetAtMs: 1_400 });
    expect(window.used(1_399)).toBe(2);
    expect(window.used(1_400)).toBe(1);
    expect(window.used(5_000)).toBe(0);
  });

  it("grows its ring past the first 64 slots and wraps without losing order", () => {
    const window = new RollingWindow(500, 1_000);
    for (let t = 0; t < 300; t += 1) expect(window.tryAcquire(t).allowed).toBe(true);
    // 300..999: fills the window to 500, then refuses.
    let allowed = 0;
    for (let t = 300; t < 1_000; t += 1) allowed += window.tryAcquire(t).allowed ? 1 : 0;
    expect(allowed).toBe(200);
    expect(window.tryAcquire(1_000)).toMatchObject({ allowed: true, remaining: 0, resetAtMs: 1_001 });
    expect(window.used(1_299)).toBe(500 - 299);
  });

  it("refuses about half of a million calls made at twice the rate it allows", () => {
    // How long this takes is measured by `npm run bench:planning`, not asserted here.
    const window = new RollingWindow(3_000, 3_000);
    let refused = 0;
    // 2,000 calls per simulated second against 3,000 per 3 s: once the first window is full, every other is refused.
    for (let i = 0; i < 1_000_000; i += 1) if (!window.tryAcquire(i / 2).allowed) refused += 1;
    expect(refused).toBeGreaterThan(490_000);
    expect(refused).toBeLessThan(500_000);
  });

  it("a limit of Infinity never refuses and allocates lazily", () => {
    const window = new RollingWindow(Number.POSITIVE_INFINITY, 1_000);
    for (let t = 0; t < 10_000; t += 1) expect(window.tryAcquire(0).allowed).toBe(true);
  });
});
