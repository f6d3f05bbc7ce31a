import { describe, expect, it } from "vitest";
import {
  type BatchMode,
  itemsOfError,
  planDeleteCalls,
  planTrackCalls,
  toDeleteBody,
  toTrackBody,
} from "../../../../actors/destination/braze/batchCalls.ts";
import type { BrazeDeletion, BrazeItem } from "../../../../actors/destination/braze/brazeObjects.ts";
import { attributes, event, mixedLoad, nextOrigin, purchase } from "../../../support/brazeItems.ts";

const countOf = (call: readonly BrazeItem[], type: BrazeItem["type"]) =>
  call.filter((item) => item.type === type).length;

/** Checks the limits on the bodies actually sent (after merging). */
function expectWithinLimits(calls: readonly BrazeItem[][], mode: BatchMode) {
  for (const call of calls) {
    const { body } = toTrackBody(call);
    const sizes = [body.attributes?.length ?? 0, body.events?.length ?? 0, body.purchases?.length ?? 0];
    if (mode === "COMBINED") expect(sizes.reduce((a, b) => a + b)).toBeLessThanOrEqual(75);
    else for (const size of sizes) expect(size).toBeLessThanOrEqual(75);
  }
}

/** Index of the calls each customer's items went to. */
function callsPerCustomer(calls: readonly BrazeItem[][]): Map<string, number[]> {
  const seen = new Map<string, number[]>();
  calls.forEach((call, index) => {
    for (const { customerId } of call) {
      const list = seen.get(customerId) ?? [];
      if (list.at(-1) !== index) list.push(index);
      seen.set(customerId, list);
    }
  });
  return seen;
}

describe("planTrackCalls", () => {
  it.each<BatchMode>(["PER_TYPE", "COMBINED"])("splits 200 events of one customer 75/75/50, in order (%s)", (mode) => {
    const items = Array.from({ length: 200 }, (_, index) => event("c1", `e${index}`));
    const calls = planTrackCalls(items, mode);
    expect(calls.map((call) => call.length)).toEqual([75, 75, 50]);
    expect(calls.flat()).toEqual(items);
  });

  it("keeps each customer's items together and in order, customers in order of first appearance", () => {
    const a1 = attributes("a", { x: 1 });
    const b1 = event("b");
    const a2 = event("a");
    const a3 = purchase("a");
    const b2 = attributes("b", { y: 2 });
    expect(planTrackCalls([a1, b1, a2, a3, b2], "PER_TYPE")).toEqual([[a1, a2, a3, b1, b2]]);
  });

  it("PER_TYPE: a call whose events are full still takes attributes and purchases, up to 75 of each", () => {
    const eventHeavy = Array.from({ length: 15 }, (_, index) => `e${index}`).flatMap((id) =>
      Array.from({ length: 5 }, () => event(id)),
    );
    const quiet = Array.from({ length: 75 }, (_, index) => `q${index}`).flatMap((id) => [attributes(id), purchase(id)]);
    const calls = planTrackCalls([...eventHeavy, ...quiet], "PER_TYPE");
    expect(calls).toHaveLength(1);
    expect(
      ["attributes", "events", "purchases"].map((type) => countOf(calls[0] ?? [], type as BrazeItem["type"])),
    ).toEqual([75, 75, 75]);
  });

  it("COMBINED: at most 75 objects in all, customers kept whole", () => {
    const items = Array.from({ length: 100 }, (_, index) => `c${index}`).flatMap((id) => [
      attributes(id),
      event(id),
      purchase(id),
    ]);
    const calls = planTrackCalls(items, "COMBINED");
    expect(calls.map((call) => call.length)).toEqual([75, 75, 75, 75]);
    expect([...callsPerCustomer(calls).values()].every((list) => list.length === 1)).toBe(true);
    expectWithinLimits(calls, "COMBINED");
  });

  it("splits only a customer larger than a call, over consecutive calls, and fills the rest with others", () => {
    const big = Array.from({ length: 100 }, () => event("big"));
    const small = ["s1", "s2"].flatMap((id) => [event(id), event(id)]);
    const calls = planTrackCalls([...big, ...small], "PER_TYPE");
    expect(calls.map((call) => call.length)).toEqual([75, 29]);
    expect(calls[0]).toEqual(big.slice(0, 75));
    expect(calls[1]).toEqual([...big.slice(75), ...small]);
  });

  it("packs a mixed load of 50,000 customers densely (PER_TYPE, ≥ 70 objects a call)", () => {
    const items = mixedLoad(50_000);
    // How long this takes is measured by `npm run bench:planning`, not asserted here.
    const calls = planTrackCalls(items, "PER_TYPE");
    expectWithinLimits(calls, "PER_TYPE");
    expect(calls.flat()).toHaveLength(items.length);
    expect(items.length / calls.length).toBeGreaterThanOrEqual(70);
    expect([...callsPerCustomer(calls).values()].every((list) => list.length === 1)).toBe(true);
  });

  it("counts merged attributes as one object", () => {
    const items = Array.from({ length: 80 }, (_, index) => `c${index}`).flatMap((id) => [
      attributes(id, { a: 1 }),
      attributes(id, { b: 2 }),
    ]);
    const calls = planTrackCalls(items, "PER_TYPE");
    expect(calls.map((call) => toTrackBody(call).body.attributes?.length)).toEqual([75, 5]);
  });
});

describe("toTrackBody", () => {
  it("builds the arrays and maps every index back to its item", () => {
    const a = attributes("c1", { x: 1 });
    const e1 = event("c1");
    const p = purchase("c1");
    const e2 = event("c2");
    const { body, sources } = toTrackBody([a, e1, p, e2]);
    expect(body).toEqual({ attributes: [a.object], events: [e1.object, e2.object], purchases: [p.object] });
    expect(itemsOfError(sources, { type: "'quantity' is not valid", input_array: "purchases", index: 0 })).toEqual([p]);
    expect(itemsOfError(sources, { type: "x", input_array: "events", index: 1 })).toEqual([e2]);
    expect(itemsOfError(sources, { type: "x", input_array: "events", index: 7 })).toEqual([]);
    expect(itemsOfError(sources, { type: "x", input_array: "devices", index: 0 })).toEqual([]);
    expect(itemsOfError(sources, { type: "x" })).toEqual([]);
  });

  it("leaves out empty arrays", () => {
    expect(toTrackBody([event("c1")]).body).toEqual({ events: [expect.any(Object)] });
  });

  it("merges a customer's adjacent attributes objects, later values winning, and maps an error to all of them", () => {
    const profile = attributes("c1", { email: "a@x.io", city: "Lima" });
    const entered = attributes("c1", { masivo_vip: true });
    const exited = attributes("c1", { masivo_vip: false, city: "Cusco" });
    const other = attributes("c2", { city: "Ica" });
    const { body, sources } = toTrackBody([profile, entered, exited, other]);
    expect(body.attributes).toEqual([
      { external_id: "c1", email: "a@x.io", city: "Cusco", masivo_vip: false },
      { external_id: "c2", city: "Ica" },
    ]);
    const failed = itemsOfError(sources, { type: "EMAIL_BAD_FORMAT", input_array: "attributes", index: 0 });
    expect(failed.map((item) => item.origin)).toEqual([profile.origin, entered.origin, exited.origin]);
    expect(itemsOfError(sources, { type: "x", input_array: "attributes", index: 1 })).toEqual([other]);
  });

  it("does not merge across an event, nor an update-only object with an upsert", () => {
    const before = attributes("c1", { x: 1 });
    const opened = event("c1");
    const after = attributes("c1", { x: 2 });
    const updateOnly = attributes("c1", { _update_existing_only: true, x: 3 });
    const { body, sources } = toTrackBody([before, opened, after, updateOnly]);
    expect(body.attributes).toEqual([before.object, after.object, updateOnly.object]);
    expect(sources.attributes).toEqual([[before], [after], [updateOnly]]);
  });

  it("keeps an attribute named __proto__ as data when merging", () => {
    const first = attributes("c1", { a: 1 });
    const second = attributes("c1", JSON.parse('{"__proto__":{"polluted":1}}'));
    const [merged] = toTrackBody([first, second]).body.attributes ?? [];
    expect(Object.keys(merged ?? {})).toEqual(["external_id", "a", "__proto__"]);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });
});

describe("planDeleteCalls", () => {
  const deletion = (customerId: string): BrazeDeletion => ({ customerId, origin: nextOrigin() });

  it("sends 120 deletions in calls of at most 50 ids", () => {
    const deletions = Array.from({ length: 120 }, (_, index) => deletion(`c${index}`));
    const calls = planDeleteCalls(deletions);
    expect(calls.map((call) => toDeleteBody(call).external_ids.length)).toEqual([50, 50, 20]);
    expect(calls.flat()).toEqual(deletions);
  });

  it("sends a customer deleted twice once, keeping both origins in the same call", () => {
    const ids = Array.from({ length: 50 }, (_, index) => `c${index}`);
    const first = deletion("c0");
    const again = deletion("c0");
    const calls = planDeleteCalls([first, ...ids.slice(1).map(deletion), again, deletion("c50")]);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toContain(again);
    expect(toDeleteBody(calls[0] ?? []).external_ids).toEqual(ids);
    expect(toDeleteBody(calls[1] ?? []).external_ids).toEqual(["c50"]);
  });
});
