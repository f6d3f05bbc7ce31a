import { describe, expect, it } from "vitest";
import { createSlots } from "../../streams/slots.ts";

describe("slots", () => {
  it("given two slots, when four works start at once, then at most two run and the others start in arrival order", async () => {
    const slots = createSlots(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const works = [0, 1, 2, 3].map((n) =>
      slots.use(async () => {
        started.push(n);
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running -= 1;
        return n;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    while (releases.length > 0) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(works)).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(most).toBe(2);
  });

  it("frees its slot when the work fails", async () => {
    const slots = createSlots(1);
    await expect(slots.use(() => Promise.reject(new Error("failed")))).rejects.toThrow("failed");
    expect(await slots.use(async () => "next")).toBe("next");
  });
});
