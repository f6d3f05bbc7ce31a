import { describe, expect, it } from "vitest";
import type { BrazeResponse } from "../../../../actors/destination/braze/brazeClient.ts";
import { classifyBrazeAnswer, itemsOfCarried } from "../../../../actors/destination/braze/classifyAnswer.ts";
import type { Carried } from "../../../../actors/destination/braze/planning/callBodies.ts";

const BACKOFF = { baseMs: 500, maxMs: 60_000, random: () => 1 };
const NOW = 1_000_000;
const answer = (status: number, body: object, headers: Record<string, string> = {}): BrazeResponse => ({
  status,
  headers: new Headers(headers),
  body,
});
const origin = (n: number) => ({ factId: `f${n}`, seq: n, part: 0 });

describe("classifyBrazeAnswer", () => {
  it("names the objects a 200 with errors refuses by array and index, which itemsOfCarried gives too", () => {
    const verdict = classifyBrazeAnswer(
      answer(201, { errors: [{ type: "bad id", input_array: "events", index: 1 }, { type: "no index" }] }),
      0,
      NOW,
      BACKOFF,
    );
    expect(verdict).toEqual({
      kind: "delivered",
      status: 201,
      refused: [{ at: "events/1", message: "bad id" }],
    });
    const carried: Carried = {
      kind: "track",
      refs: {
        attributes: [
          [
            { type: "attributes", customerId: "ana", origin: origin(1) },
            { type: "attributes", customerId: "ana", origin: origin(2) },
          ],
        ],
        events: [
          [{ type: "events", customerId: "ana", origin: origin(3) }],
          [{ type: "events", customerId: "bo", origin: origin(4) }],
        ],
        purchases: [],
      },
    };
    const items = itemsOfCarried(carried);
    expect(items.filter((item) => item.at === "events/1")).toEqual([
      { customerId: "bo", item: "events", factId: "f4", part: 0, at: "events/1" },
    ]);
    // Merged attributes share their object's place.
    expect(items.filter((item) => item.at === "attributes/0").map((item) => item.factId)).toEqual(["f1", "f2"]);
  });

  it("tells a call too large, a configuration Braze refuses, a refusal, and a rate limit apart", () => {
    expect(classifyBrazeAnswer(answer(400, { message: "Max Input Length Exceeded" }), 0, NOW, BACKOFF).kind).toBe(
      "tooLarge",
    );
    expect(classifyBrazeAnswer(answer(401, {}), 0, NOW, BACKOFF).kind).toBe("misconfigured");
    expect(classifyBrazeAnswer(answer(400, { message: "bad body" }), 0, NOW, BACKOFF)).toEqual({
      kind: "refused",
      status: 400,
      message: "bad body",
    });
    expect(classifyBrazeAnswer(answer(429, {}, { "retry-after": "2" }), 0, NOW, BACKOFF)).toMatchObject({
      kind: "retry",
      delayMs: 2_000,
      rateLimited: true,
    });
    expect(classifyBrazeAnswer({ error: "ECONNRESET" }, 2, NOW, BACKOFF)).toMatchObject({
      kind: "retry",
      delayMs: 2_000,
    });
  });

  it("holds the account's limiter until the reset when the headers say no call remains", () => {
    const verdict = classifyBrazeAnswer(
      answer(200, {}, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "3" }),
      0,
      NOW,
      BACKOFF,
    );
    expect(verdict).toEqual({ kind: "delivered", status: 200, holdUntil: NOW + 3_000 });
  });
});
