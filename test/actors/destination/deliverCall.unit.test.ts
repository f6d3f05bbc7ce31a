import { describe, expect, it } from "vitest";
import type { BrazeResponse } from "../../../actors/destination/braze/brazeClient.ts";
import { classifyBrazeAnswer } from "../../../actors/destination/braze/classifyAnswer.ts";
import { deliverCall } from "../../../actors/destination/deliverCall.ts";
import { LeaseLapsedError } from "../../../actors/destination/leaseLapsedError.ts";
import { createRollingLimiter } from "../../../actors/destination/rollingLimiter.ts";
import { virtualTime } from "../../support/virtualTime.ts";

/** A 200 whose headers say the provider's window has nothing left, resetting in `resetSeconds`. */
const exhaustedAnswer = (resetSeconds: number): BrazeResponse => {
  const headers = new Headers({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(resetSeconds) });
  return { status: 200, headers, body: { message: "success" } };
};

/** A 500, then a 201: a call delivered on its second try. */
const failedThenDelivered = (): BrazeResponse[] => [
  { status: 500, headers: new Headers(), body: { message: "internal error" } },
  { status: 201, headers: new Headers(), body: { message: "success" } },
];

/** What a call needs besides its answers, on a virtual clock; `limit` places in the limiter. */
function deliveryOn(time: ReturnType<typeof virtualTime>, limit = 100) {
  return {
    limiter: createRollingLimiter({ limit, windowMs: 3_100, ...time }),
    backoff: { baseMs: 500, maxMs: 60_000 },
    now: time.now,
    sleep: time.sleep,
    holds: () => true,
    onRetry: () => {},
  };
}

async function deliverWith(limit: number, answer: BrazeResponse) {
  const time = virtualTime(1_000_000);
  const deps = deliveryOn(time, limit);
  const signal = new AbortController().signal;
  const end = await deliverCall(async () => answer, classifyBrazeAnswer, signal, deps);
  const before = time.now();
  await deps.limiter.acquire();
  return { end, heldMs: time.now() - before };
}

describe("deliverCall", () => {
  it("holds every call until the reset when the provider's window is used up by someone else", async () => {
    const { end, heldMs } = await deliverWith(100, exhaustedAnswer(2));
    expect(end.kind).toBe("delivered");
    expect(heldMs).toBe(2_000);
  });

  it("leaves the pace to the limiter when its own starts fill the window", async () => {
    // One start allowed per window: the call itself fills it, so the next waits the window out, not the reset.
    const { end, heldMs } = await deliverWith(1, exhaustedAnswer(10));
    expect(end.kind).toBe("delivered");
    expect(heldMs).toBe(3_100);
  });
});

describe("deliverCall's figures", () => {
  it("reports how every try was answered: a retry, then the delivery", async () => {
    const time = virtualTime(1_000_000);
    const answers = failedThenDelivered();
    const tried: string[] = [];
    const end = await deliverCall(
      async () => answers.shift() ?? { status: 599, headers: new Headers(), body: {} },
      classifyBrazeAnswer,
      new AbortController().signal,
      { ...deliveryOn(time), onTried: (verdict) => tried.push(verdict) },
    );
    expect(end.kind).toBe("delivered");
    expect(tried).toEqual(["retry", "delivered"]);
  });
});

describe("deliverCall's lease fence", () => {
  it("never sends a try whose turn comes after the integration's lease ended, though it waited in backoff", async () => {
    const time = virtualTime(1_000_000);
    // The term ends while the first try's retry waits out its backoff.
    const validUntil = time.now() + 100;
    const answers = failedThenDelivered();
    const sent: number[] = [];
    const attempt = deliverCall(
      async () => {
        sent.push(time.now());
        return answers.shift() ?? { status: 599, headers: new Headers(), body: {} };
      },
      classifyBrazeAnswer,
      new AbortController().signal,
      // Full jitter set to its ceiling: the backoff is exactly 500 ms.
      {
        ...deliveryOn(time),
        backoff: { baseMs: 500, maxMs: 60_000, random: () => 1 },
        holds: () => time.now() < validUntil,
      },
    );
    await expect(attempt).rejects.toBeInstanceOf(LeaseLapsedError);
    expect(sent).toEqual([1_000_000]);
  });
});
