import { describe, expect, it } from "vitest";
import { startFakeBraze } from "../../../fakes/braze/index.ts";
import { call, manualClock } from "./brazeHttp.ts";

const T = "2026-01-01T00:00:00Z";
const get = (url: string, path: string) => call(url, path, undefined, { method: "GET" });

describe("the handle", () => {
  it("names where it listens and its keys", async () => {
    await using braze = await startFakeBraze({ keys: ["k1", { key: "k2", cluster: "iad-01" }] });
    expect(braze.host).toBe("127.0.0.1");
    expect(braze.port).toBeGreaterThan(0);
    expect(braze.url).toBe(`http://127.0.0.1:${braze.port}`);
    expect(braze.keys).toEqual(["k1", "k2"]);
  });

  it("hands out copies: changing a snapshot changes nothing stored", async () => {
    await using braze = await startFakeBraze();
    await call(braze.url, "/users/track", { attributes: [{ external_id: "u1", tags: ["a"] }] });
    const tags = braze.state.user("u1")?.attributes.tags;
    if (Array.isArray(tags)) tags.push("mutated");
    expect(tags).toEqual(["a", "mutated"]);
    expect(braze.state.user("u1")?.attributes.tags).toEqual(["a"]);
  });
});

describe("users, events and purchases over HTTP", () => {
  it("GET /__fake/users/{id} answers the profile by external_id or braze_id, 404 otherwise", async () => {
    await using braze = await startFakeBraze();
    await call(braze.url, "/users/track", {
      attributes: [{ external_id: "user 1/ä", first_name: "Ann" }],
      events: [{ external_id: "user 1/ä", name: "opened", time: T }],
      purchases: [{ external_id: "user 1/ä", product_id: "p", currency: "EUR", price: 2, time: T }],
    });
    const byExternal = await get(braze.url, `/__fake/users/${encodeURIComponent("user 1/ä")}`);
    expect(byExternal).toMatchObject({
      status: 200,
      body: {
        externalId: "user 1/ä",
        attributes: { first_name: "Ann" },
        events: [{ name: "opened" }],
        purchases: [{ productId: "p", price: 2, quantity: 1 }],
      },
    });
    const { brazeId } = byExternal.body as { brazeId: string };
    expect((await get(braze.url, `/__fake/users/${brazeId}`)).body).toMatchObject({ externalId: "user 1/ä" });
    expect(await get(braze.url, "/__fake/users/nobody")).toMatchObject({ status: 404, body: { message: "Not Found" } });
    expect((await get(braze.url, "/__fake/users")).body).toMatchObject({ users: [{ brazeId }] });
    expect((await get(braze.url, "/__fake/events?external_id=nobody")).body).toEqual({ events: [] });
    expect((await get(braze.url, "/__fake/events")).body).toMatchObject({ events: [{ name: "opened" }] });
    expect((await get(braze.url, "/__fake/purchases")).body).toMatchObject({ purchases: [{ productId: "p" }] });
  });

  it("unknown control paths are 404", async () => {
    await using braze = await startFakeBraze();
    expect((await get(braze.url, "/__fake/nothing")).status).toBe(404);
    expect((await call(braze.url, "/__fake/users", {})).status).toBe(404);
  });
});

describe("the request log", () => {
  it("records method, path, key, body, status and time of every Braze call, never of control calls", async () => {
    const clock = manualClock();
    await using braze = await startFakeBraze({ now: clock.now });
    await call(braze.url, "/users/track", { attributes: [{ external_id: "u1" }] });
    clock.advance(5);
    await call(braze.url, "/users/delete", "not json", { key: "wrong" });
    await call(braze.url, "/users/nope", {}, { key: null });
    await get(braze.url, "/__fake/users");
    const start = Date.UTC(2026, 0, 1);
    const expected = [
      {
        method: "POST",
        path: "/users/track",
        key: "fake-braze-key",
        body: { attributes: [{ external_id: "u1" }] },
        status: 200,
        time: start,
      },
      { method: "POST", path: "/users/delete", key: "wrong", body: "not json", status: 401, time: start + 5 },
      { method: "POST", path: "/users/nope", body: {}, status: 404, time: start + 5 },
    ];
    expect(braze.state.requests()).toEqual([...expected.slice(0, 2), { ...expected[2], key: undefined }]);
    expect((await get(braze.url, "/__fake/requests")).body).toEqual({ requests: expected });
  });

  it("filters by path and key and keeps the newest with limit", async () => {
    await using braze = await startFakeBraze({ keys: ["a", "b"] });
    for (const key of ["a", "b", "a"])
      await call(braze.url, "/users/track", { attributes: [{ external_id: key }] }, { key });
    await call(braze.url, "/users/delete", { external_ids: ["a"] }, { key: "a" });
    expect(braze.state.requests({ key: "a" }).map((r) => r.path)).toEqual([
      "/users/track",
      "/users/track",
      "/users/delete",
    ]);
    expect(braze.state.requests({ path: "/users/track", limit: 1 })).toMatchObject([{ key: "a" }]);
    const overHttp = await get(braze.url, "/__fake/requests?path=/users/track&key=a&limit=5");
    expect((overHttp.body as { requests: unknown[] }).requests).toHaveLength(2);
  });

  it("keeps only the newest requestLogSize entries while the counters stay exact", async () => {
    await using braze = await startFakeBraze({ requestLogSize: 3 });
    for (let i = 0; i < 10; i += 1) await call(braze.url, "/users/track", { attributes: [{ external_id: `u${i}` }] });
    await call(braze.url, "/users/track", { attributes: [{ external_id: "u1" }] }, { key: "nope" });
    expect(braze.state.requests().map((r) => r.status)).toEqual([200, 200, 401]);
    expect(braze.state.stats()).toEqual({
      total: 11,
      calls: { "/users/track": 11 },
      statuses: { "200": 10, "401": 1 },
      rateLimited: 0,
      objects: { attributes: 10, events: 0, purchases: 0 },
    });
    expect((await get(braze.url, "/__fake/stats")).body).toEqual(braze.state.stats());
  });
});

describe("object counts", () => {
  const purchase = { external_id: "u1", product_id: "p", currency: "EUR", price: 2, time: T };

  it("count the objects /users/track processed per array, never refused ones", async () => {
    await using braze = await startFakeBraze();
    await call(braze.url, "/users/track", {
      attributes: [{ external_id: "u1", first_name: "Ann" }],
      events: [
        { external_id: "u1", name: "opened", time: T },
        { external_id: "u1", time: T },
      ],
      purchases: [purchase, purchase],
    });
    expect(braze.state.stats()).toMatchObject({ objects: { attributes: 1, events: 1, purchases: 2 } });
    expect(braze.state.stats().duplicates).toBeUndefined();
  });

  it("with countDuplicates, count objects identical to one received before, in any later call", async () => {
    const clock = manualClock();
    await using braze = await startFakeBraze({ countDuplicates: true, now: clock.now });
    const event = (n: number) => ({ external_id: "u1", name: "opened", time: T, properties: { n } });
    await call(braze.url, "/users/track", {
      attributes: [{ external_id: "u1", tier: "gold" }],
      events: [event(1), event(2), event(1)],
      purchases: [purchase],
    });
    await call(braze.url, "/users/track", {
      attributes: [
        { external_id: "u1", tier: "gold" },
        { external_id: "u2", tier: "gold" },
      ],
      events: [event(2), { ...event(3), external_id: "u2" }],
      purchases: [{ ...purchase, price: 3 }, purchase],
    });
    const expected = {
      objects: { attributes: 3, events: 5, purchases: 3 },
      duplicates: { attributes: 1, events: 2, purchases: 1 },
    };
    expect(braze.state.stats()).toMatchObject(expected);
    expect((await get(braze.url, "/__fake/stats")).body).toMatchObject(expected);
    braze.reset();
    await call(braze.url, "/users/track", { events: [event(1)] });
    expect(braze.state.stats()).toMatchObject({
      objects: { attributes: 0, events: 1, purchases: 0 },
      duplicates: { attributes: 0, events: 0, purchases: 0 },
    });
  });

  it("without keepObjects, count events and purchases but keep none of them, and still keep profiles", async () => {
    await using braze = await startFakeBraze({ keepObjects: false });
    await call(braze.url, "/users/track", {
      attributes: [{ external_id: "u1", tier: "gold" }],
      events: [{ external_id: "u1", name: "opened", time: T }],
      purchases: [purchase],
    });
    expect(braze.state.stats()).toMatchObject({ objects: { attributes: 1, events: 1, purchases: 1 } });
    expect(braze.state.events()).toEqual([]);
    expect(braze.state.purchases()).toEqual([]);
    expect(braze.state.user("u1")?.attributes).toMatchObject({ tier: "gold" });
  });
});

describe("reset", () => {
  it("forgets users, history, requests, counters and rate windows, keeping keys and faults", async () => {
    const clock = manualClock();
    await using braze = await startFakeBraze({ now: clock.now, rateLimits: { track: { limit: 1, windowMs: 60_000 } } });
    await call(braze.url, "/users/track", { events: [{ external_id: "u1", name: "e", time: T }] });
    braze.faults.add({ kind: "status", status: 500, path: "/users/delete" });
    expect((await call(braze.url, "/__fake/reset", {})).status).toBe(200);
    expect(braze.state.users()).toEqual([]);
    expect(braze.state.events()).toEqual([]);
    expect(braze.state.requests()).toEqual([]);
    expect(braze.state.stats().total).toBe(0);
    expect((await call(braze.url, "/users/track", { attributes: [{ external_id: "u1" }] })).status).toBe(200);
    expect(braze.faults.list()).toHaveLength(1);
    braze.reset();
    expect(braze.state.users()).toEqual([]);
  });
});
