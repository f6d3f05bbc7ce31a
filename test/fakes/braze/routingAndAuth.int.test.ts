import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brazeMessages, type FakeBraze, startFakeBraze } from "../../../fakes/braze/index.ts";
import { call } from "./brazeHttp.ts";

let braze: FakeBraze;
beforeAll(async () => {
  braze = await startFakeBraze({
    keys: [
      "open-key",
      { key: "iad-key", cluster: "iad-01" },
      { key: "eu-key", cluster: "rest.fra-01.braze.eu" },
      { key: "track-only", permissions: ["users.track"] },
      { key: "no-perms", permissions: [] },
    ],
  });
});
afterAll(() => braze.close());

const valid: Record<string, unknown> = {
  "/users/track": { attributes: [{ external_id: "u1", first_name: "Ann" }] },
  "/users/delete": { external_ids: ["nobody"] },
  "/users/merge": { merge_updates: [] },
  "/users/identify": { aliases_to_identify: [] },
  "/users/export/ids": { external_ids: ["nobody"] },
};
const permissionOf: Record<string, string> = {
  "/users/track": "users.track",
  "/users/delete": "users.delete",
  "/users/merge": "users.merge",
  "/users/identify": "users.identify",
  "/users/export/ids": "users.export.ids",
};

describe("routes", () => {
  it.each(Object.keys(valid))("POST %s is answered", async (path) => {
    const response = await call(braze.url, path, valid[path], { key: "open-key" });
    expect(response.status).toBeLessThan(300);
  });

  it.each([
    ["POST", "/users/track/bulk"],
    ["POST", "/campaigns/trigger/send"],
    ["GET", "/users/track"],
    ["PUT", "/users/delete"],
    ["POST", "/"],
  ])("%s %s is 404 Invalid URL, even without a key", async (method, path) => {
    for (const key of ["open-key", null]) {
      const response = await call(braze.url, path, {}, { method, key });
      expect(response).toMatchObject({ status: 404, body: { message: brazeMessages.INVALID_URL } });
    }
  });
});

describe("auth", () => {
  it.each([
    ["no Authorization header", { key: null }],
    ["an unknown key", { key: "who-knows" }],
  ])("%s is 401 Invalid API Key", async (_, options) => {
    const response = await call(braze.url, "/users/track", valid["/users/track"], options);
    expect(response).toMatchObject({ status: 401, body: { message: "Invalid API Key" } });
  });

  it.each(["Basic open-key", "open-key", "Bearer", "Bearer open-key extra"])(
    "Authorization %j is 401 (Bearer and one key only)",
    async (authorization) => {
      const response = await call(braze.url, "/users/track", valid["/users/track"], { authorization });
      expect(response).toMatchObject({ status: 401, body: { message: "Invalid API Key" } });
    },
  );

  it("a key without a cluster answers on any Host", async () => {
    for (const host of [undefined, "rest.iad-01.braze.com", "rest.fra-01.braze.eu:443", "localhost"]) {
      const response = await call(braze.url, "/users/track", valid["/users/track"], { key: "open-key", host });
      expect(response.status).toBe(200);
    }
  });

  it("a key bound to a cluster answers only on that cluster's host, else 401", async () => {
    const body = valid["/users/track"];
    expect(
      (await call(braze.url, "/users/track", body, { key: "iad-key", host: "rest.iad-01.braze.com" })).status,
    ).toBe(200);
    expect((await call(braze.url, "/users/track", body, { key: "eu-key", host: "REST.FRA-01.BRAZE.EU" })).status).toBe(
      200,
    );
    for (const host of ["rest.fra-01.braze.eu", "rest.iad-02.braze.com", undefined]) {
      const response = await call(braze.url, "/users/track", body, { key: "iad-key", host });
      expect(response).toMatchObject({ status: 401, body: { message: "Invalid API Key" } });
    }
  });

  it.each(Object.keys(valid))("a key without %s's permission is 403 Access Denied", async (path) => {
    const response = await call(braze.url, path, valid[path], { key: "no-perms" });
    expect(response).toMatchObject({ status: 403, body: { message: "Access Denied" } });
    const trackOnly = await call(braze.url, path, valid[path], { key: "track-only" });
    expect(trackOnly.status).toBe(permissionOf[path] === "users.track" ? 200 : 403);
  });

  it("401 and 403 carry no rate-limit headers and are not counted against the key", async () => {
    const response = await call(braze.url, "/users/track", valid["/users/track"], { key: "no-perms" });
    expect(Object.keys(response.headers).filter((name) => name.startsWith("x-ratelimit"))).toEqual([]);
  });
});

describe("malformed bodies", () => {
  it.each([
    ["not JSON", "{attributes:"],
    ["an empty body", ""],
    ["a JSON array", "[]"],
    ["JSON null", "null"],
    ["a JSON string", '"hello"'],
  ])("%s is 400 Bad Request", async (_, body) => {
    for (const path of Object.keys(valid)) {
      const response = await call(braze.url, path, body, { key: "open-key" });
      expect(response).toMatchObject({ status: 400, body: { message: "Bad Request" } });
    }
  });

  it("a track array that is not an array is 400 Bad Request", async () => {
    const response = await call(braze.url, "/users/track", { attributes: { external_id: "u1" } }, { key: "open-key" });
    expect(response).toMatchObject({ status: 400, body: { message: "Bad Request" } });
  });
});
