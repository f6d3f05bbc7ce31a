import { describe, expect, it } from "vitest";
import { brazeMessages, startFakeBraze } from "../../../fakes/braze/index.ts";
import { waitFor } from "../../support/streamReader.ts";
import { call, manualClock, rateHeaders } from "./brazeHttp.ts";

const T = "2026-01-01T00:00:00Z";
const attributes = (id: string) => ({ attributes: [{ external_id: id, seen: true }] });

describe("status faults", () => {
  it.each([
    [500, "Internal Server Error"],
    [502, "Bad Gateway"],
    [503, "Service Unavailable"],
    [504, "Gateway Timeout"],
  ] as const)("%i for the next call only: nothing processed, nothing counted", async (status, text) => {
    await using braze = await startFakeBraze();
    braze.faults.add({ kind: "status", status, times: 1 });
    const failed = await call(braze.url, "/users/track", attributes("u1"));
    expect(failed).toMatchObject({ status, body: { message: text } });
    expect(rateHeaders(failed)).toEqual({});
    expect(braze.state.user("u1")).toBeUndefined();
    const next = await call(braze.url, "/users/track", attributes("u1"));
    expect(next.status).toBe(200);
    expect(next.headers["x-ratelimit-remaining"]).toBe("2999");
    expect(braze.faults.list()).toEqual([]);
  });

  it("answers a given body, even a non-JSON one", async () => {
    await using braze = await startFakeBraze();
    braze.faults.add({ kind: "status", status: 502, body: "<html>bad gateway</html>", times: 1 });
    expect(await call(braze.url, "/users/track", attributes("u1"))).toMatchObject({
      status: 502,
      body: "<html>bad gateway</html>",
    });
  });
});

describe("the maintenance answer", () => {
  it("is 202 {message: queued} and processes nothing", async () => {
    await using braze = await startFakeBraze();
    braze.faults.add({ kind: "queued", times: 2 });
    for (const id of ["u1", "u2"]) {
      expect(await call(braze.url, "/users/track", attributes(id))).toMatchObject({
        status: 202,
        body: { message: "queued" },
      });
    }
    expect(braze.state.users()).toEqual([]);
    expect((await call(braze.url, "/users/track", attributes("u3"))).status).toBe(200);
  });
});

describe("timeouts", () => {
  it("hold the answer holdMs, then process the call normally", async () => {
    await using braze = await startFakeBraze();
    braze.faults.add({ kind: "timeout", holdMs: 150, times: 1 });
    // A client that waits less than holdMs gets nothing: its timer was set first and is due first.
    await expect(call(braze.url, "/users/track", attributes("u1"), { timeoutMs: 50 })).rejects.toThrow("timeout");
    expect(braze.state.requests()).toEqual([]);
    expect(braze.state.user("u1")).toBeUndefined();
    // Once held, the call is answered and processed like any other.
    const logged = await waitFor("the held call to be answered", async () => braze.state.requests()[0]);
    expect(logged).toMatchObject({ path: "/users/track", status: 200 });
    expect(braze.state.user("u1")).toBeDefined();
  });

  it("process a held call even when the client gave up (a retry would duplicate events)", async () => {
    await using braze = await startFakeBraze();
    braze.faults.add({ kind: "timeout", holdMs: 150, times: 1 });
    const event = { events: [{ external_id: "u1", name: "e", time: T }] };
    await expect(call(braze.url, "/users/track", event, { timeoutMs: 30 })).rejects.toThrow("timeout");
    await call(braze.url, "/users/track", event);
    await waitFor("the held call to be processed", async () =>
      braze.state.requests().length === 2 ? true : undefined,
    );
    expect(braze.state.events("u1")).toHaveLength(2);
  });

  it("without holdMs never answer; the call is logged with status null and close() still returns", async () => {
    const braze = await startFakeBraze();
    braze.faults.add({ kind: "timeout", path: "/users/track" });
    await expect(call(braze.url, "/users/track", attributes("u1"), { timeoutMs: 100 })).rejects.toThrow("timeout");
    const pending = call(braze.url, "/users/track", attributes("u2")).catch((error: Error) => error.message);
    // A hung call is logged as it arrives.
    await waitFor("the second call to arrive", async () => (braze.state.requests().length === 2 ? true : undefined));
    expect(braze.state.requests()).toMatchObject([
      { path: "/users/track", status: null },
      { path: "/users/track", status: null },
    ]);
    expect(braze.state.stats().statuses).toEqual({ none: 2 });
    expect(braze.state.users()).toEqual([]);
    await braze.close();
    expect(await pending).toMatch(/socket hang up|ECONNRESET/);
  });
});

describe("forced 429", () => {
  it("answers Rate Limited with only x-ratelimit-retry-after, and is counted", async () => {
    await using braze = await startFakeBraze();
    braze.faults.add({ kind: "rateLimited", retryAfterSeconds: 30, times: 1 });
    braze.faults.add({ kind: "rateLimited", times: 1 });
    const first = await call(braze.url, "/users/track", attributes("u1"));
    expect(first).toMatchObject({ status: 429, body: { message: "Rate Limited" } });
    expect(rateHeaders(first)).toEqual({ "x-ratelimit-retry-after": "30" });
    expect(rateHeaders(await call(braze.url, "/users/track", attributes("u1")))).toEqual({
      "x-ratelimit-retry-after": "1",
    });
    expect(braze.state.stats().rateLimited).toBe(2);
    expect(braze.state.user("u1")).toBeUndefined();
  });
});

describe("forced partial errors", () => {
  it("skip the objects at the given indices and report them in Braze's shape", async () => {
    await using braze = await startFakeBraze();
    braze.faults.add({
      kind: "partialErrors",
      times: 1,
      errors: [
        { input_array: "events", index: 1, type: "EXTERNAL_USER_ID_TOO_LARGE" },
        { input_array: "attributes", index: 0 },
        { input_array: "purchases", index: 9 },
      ],
    });
    const body = {
      attributes: [{ external_id: "a" }, { external_id: "b" }],
      events: [
        { external_id: "a", name: "kept", time: T },
        { external_id: "a", name: "forced", time: T },
      ],
    };
    const response = await call(braze.url, "/users/track", body);
    expect(response).toMatchObject({
      status: 200,
      body: {
        message: "success",
        attributes_processed: 1,
        events_processed: 1,
        errors: [
          { type: brazeMessages.FORCED_ERROR, input_array: "attributes", index: 0 },
          { type: "EXTERNAL_USER_ID_TOO_LARGE", input_array: "events", index: 1 },
        ],
      },
    });
    expect(braze.state.events().map((event) => event.name)).toEqual(["kept"]);
    expect((await call(braze.url, "/users/track", body)).body).not.toHaveProperty("errors");
  });

  it("turn into Braze's 400 when they cover every object", async () => {
    await using braze = await startFakeBraze();
    braze.faults.add({ kind: "partialErrors", errors: [{ input_array: "attributes", index: 0, type: "X" }] });
    expect(await call(braze.url, "/users/track", attributes("u1"))).toMatchObject({
      status: 400,
      body: {
        message: brazeMessages.VALID_DATA_REQUIRED,
        errors: [{ type: "X", input_array: "attributes", index: 0 }],
      },
    });
  });

  it("do not touch other endpoints (nor get used up by them)", async () => {
    await using braze = await startFakeBraze();
    braze.faults.add({ kind: "partialErrors", times: 1, errors: [{ input_array: "attributes", index: 0 }] });
    expect((await call(braze.url, "/users/delete", { external_ids: ["x"] })).status).toBe(200);
    expect(braze.faults.list()).toHaveLength(1);
  });
});

describe("scoping and lifetime", () => {
  it("a path-scoped fault leaves other paths alone", async () => {
    await using braze = await startFakeBraze();
    braze.faults.add({ kind: "status", status: 503, path: "/users/delete" });
    expect((await call(braze.url, "/users/track", attributes("u1"))).status).toBe(200);
    expect((await call(braze.url, "/users/delete", { external_ids: ["u1"] })).status).toBe(503);
  });

  it("a key-scoped fault leaves other keys alone", async () => {
    await using braze = await startFakeBraze({ keys: ["a", "b"] });
    braze.faults.add({ kind: "status", status: 500, key: "a" });
    expect((await call(braze.url, "/users/track", attributes("u1"), { key: "a" })).status).toBe(500);
    expect((await call(braze.url, "/users/track", attributes("u1"), { key: "b" })).status).toBe(200);
  });

  it("auth comes first: an unknown key gets 401, not the fault", async () => {
    await using braze = await startFakeBraze();
    braze.faults.add({ kind: "status", status: 500 });
    expect((await call(braze.url, "/users/track", attributes("u1"), { key: "nope" })).status).toBe(401);
  });

  it("times N hits exactly N calls; without times a fault stays until removed; the oldest match wins", async () => {
    await using braze = await startFakeBraze();
    const first = braze.faults.add({ kind: "status", status: 502, times: 2 });
    const second = braze.faults.add({ kind: "status", status: 504 });
    expect(braze.faults.list()).toMatchObject([
      { id: first, remaining: 2, hits: 0 },
      { id: second, remaining: null, hits: 0 },
    ]);
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await call(braze.url, "/users/track", attributes("u1"))).status);
    expect(statuses).toEqual([502, 502, 504, 504]);
    expect(braze.faults.list()).toMatchObject([{ id: second, hits: 2 }]);
    expect(braze.faults.remove(second)).toBe(true);
    expect((await call(braze.url, "/users/track", attributes("u1"))).status).toBe(200);
  });

  it("a 10-minute outage: 503 while the fault is on, success after it is cleared, nothing replayed", async () => {
    const clock = manualClock();
    await using braze = await startFakeBraze({ now: clock.now });
    braze.faults.add({ kind: "status", status: 503 });
    const during = [];
    for (let minute = 0; minute < 10; minute += 1) {
      during.push(
        (await call(braze.url, "/users/track", { events: [{ external_id: "u1", name: "e", time: T }] })).status,
      );
      clock.advance(60_000);
    }
    expect(new Set(during)).toEqual(new Set([503]));
    expect(braze.faults.clear()).toBe(1);
    expect((await call(braze.url, "/users/track", attributes("u1"))).status).toBe(200);
    expect(braze.state.events()).toEqual([]);
    expect(braze.state.requests({ path: "/users/track" }).map((r) => r.time - clock.now())).toEqual([
      -600_000, -540_000, -480_000, -420_000, -360_000, -300_000, -240_000, -180_000, -120_000, -60_000, 0,
    ]);
  });
});

describe("faults over HTTP", () => {
  it("POST /__fake/faults adds, GET lists, DELETE removes one or all", async () => {
    await using braze = await startFakeBraze();
    const added = await call(braze.url, "/__fake/faults", { kind: "status", status: 503, path: "/users/track" });
    expect(added).toMatchObject({ status: 201, body: { id: expect.any(String) } });
    const { id } = added.body as { id: string };
    await call(braze.url, "/__fake/faults", { kind: "rateLimited", retryAfterSeconds: 5, times: 3 });
    expect((await call(braze.url, "/users/track", attributes("u1"))).status).toBe(503);
    const listed = await call(braze.url, "/__fake/faults", undefined, { method: "GET" });
    expect(listed.body).toMatchObject({
      faults: [
        { id, kind: "status", hits: 1 },
        { kind: "rateLimited", remaining: 3 },
      ],
    });
    expect(await call(braze.url, `/__fake/faults/${id}`, undefined, { method: "DELETE" })).toMatchObject({
      status: 200,
      body: { cleared: 1 },
    });
    expect((await call(braze.url, "/users/track", attributes("u1"))).status).toBe(429);
    expect(await call(braze.url, "/__fake/faults", undefined, { method: "DELETE" })).toMatchObject({
      body: { cleared: 1 },
    });
    expect((await call(braze.url, "/users/track", attributes("u1"))).status).toBe(200);
    expect((await call(braze.url, "/__fake/faults/nope", undefined, { method: "DELETE" })).status).toBe(404);
  });

  it.each([
    [{ kind: "status", status: 418 }],
    [{ kind: "explode" }],
    [{ kind: "timeout", holdMs: -1 }],
    [{ kind: "queued", times: 0 }],
    [{ kind: "partialErrors", errors: [] }],
    [{ kind: "partialErrors", errors: [{ input_array: "users", index: 0 }] }],
    [{ kind: "queued", extra: true }],
  ])("refuses the fault %j with 400 and the reasons", async (fault) => {
    await using braze = await startFakeBraze();
    const response = await call(braze.url, "/__fake/faults", fault);
    expect(response).toMatchObject({ status: 400, body: { message: "Bad Request", issues: expect.any(Array) } });
    expect(braze.faults.list()).toEqual([]);
  });

  it("refuses a body that is not JSON", async () => {
    await using braze = await startFakeBraze();
    expect((await call(braze.url, "/__fake/faults", "{")).status).toBe(400);
  });
});
