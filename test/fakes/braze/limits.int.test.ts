import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brazeMessages, type FakeBraze, startFakeBraze } from "../../../fakes/braze/index.ts";
import { call } from "./brazeHttp.ts";

let braze: FakeBraze;
beforeAll(async () => {
  braze = await startFakeBraze({ keys: ["combined", { key: "legacy", batchMode: "PER_TYPE" }] });
});
afterAll(() => braze.close());

const attributes = (n: number) => Array.from({ length: n }, (_, i) => ({ external_id: `a${i}`, n: i }));
const events = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ external_id: `e${i}`, name: "e", time: "2026-01-01T00:00:00Z" }));
const purchases = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    external_id: `p${i}`,
    product_id: "sku",
    currency: "USD",
    price: 1,
    time: "2026-01-01T00:00:00Z",
  }));
const track = (key: string, a: number, e: number, p: number) =>
  call(braze.url, "/users/track", { attributes: attributes(a), events: events(e), purchases: purchases(p) }, { key });
const tooLong = { status: 400, body: { message: "Max Input Length Exceeded" } };

describe("COMBINED batch mode (the default): 75 objects across the three arrays", () => {
  it("takes 75 in all", async () => {
    const response = await track("combined", 25, 25, 25);
    expect(response).toMatchObject({
      status: 200,
      body: { message: "success", attributes_processed: 25, events_processed: 25, purchases_processed: 25 },
    });
    expect(await track("combined", 75, 0, 0)).toMatchObject({ status: 200 });
  });

  it("refuses 76 in all, processing nothing", async () => {
    braze.reset();
    expect(await track("combined", 26, 25, 25)).toMatchObject(tooLong);
    expect(await track("combined", 0, 76, 0)).toMatchObject(tooLong);
    expect(braze.state.users()).toEqual([]);
  });
});

describe("PER_TYPE batch mode (Braze's legacy): 75 per array", () => {
  it("takes 75 in each array, 225 in all", async () => {
    const response = await track("legacy", 75, 75, 75);
    expect(response).toMatchObject({
      status: 200,
      body: { attributes_processed: 75, events_processed: 75, purchases_processed: 75 },
    });
  });

  it.each([
    [76, 0, 0],
    [0, 76, 0],
    [10, 10, 76],
  ])("refuses %i/%i/%i", async (a, e, p) => {
    expect(await track("legacy", a, e, p)).toMatchObject(tooLong);
  });
});

describe("switching a key's batch mode", () => {
  it("in process", async () => {
    const fake = await startFakeBraze({ keys: ["k"] });
    try {
      expect(
        await call(fake.url, "/users/track", { attributes: attributes(40), events: events(40) }, { key: "k" }),
      ).toMatchObject(tooLong);
      fake.setBatchMode("k", "PER_TYPE");
      expect(
        (await call(fake.url, "/users/track", { attributes: attributes(40), events: events(40) }, { key: "k" })).status,
      ).toBe(200);
      expect(() => fake.setBatchMode("nope", "COMBINED")).toThrow(/unknown key/);
    } finally {
      await fake.close();
    }
  });

  it("over HTTP", async () => {
    await using fake = await startFakeBraze({ keys: ["k"] });
    const switched = await call(fake.url, "/__fake/settings", { batchModes: { k: "PER_TYPE" } });
    expect(switched).toMatchObject({ status: 200, body: { batchModes: { k: "PER_TYPE" }, resetHeader: "epoch" } });
    expect(
      (await call(fake.url, "/users/track", { attributes: attributes(40), events: events(40) }, { key: "k" })).status,
    ).toBe(200);
    expect(await call(fake.url, "/__fake/settings", { batchModes: { ghost: "PER_TYPE" } })).toMatchObject({
      status: 400,
    });
    expect(await call(fake.url, "/__fake/settings", { batchModes: { k: "LEGACY" } })).toMatchObject({ status: 400 });
  });
});

describe("/users/delete limits", () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `d${i}`);

  it("takes 50 ids and answers how many were queued", async () => {
    const response = await call(braze.url, "/users/delete", { external_ids: ids(50) }, { key: "combined" });
    expect(response).toMatchObject({ status: 200, body: { deleted: 50, message: "success" } });
  });

  it.each([
    ["external_ids", ids(51), brazeMessages.DELETE_TOO_MANY_EXTERNAL_IDS],
    [
      "user_aliases",
      ids(51).map((id) => ({ alias_name: id, alias_label: "l" })),
      brazeMessages.DELETE_TOO_MANY_EXTERNAL_IDS,
    ],
    ["braze_ids", ids(51), brazeMessages.DELETE_TOO_MANY_IDS],
    ["phone_numbers", ids(51), brazeMessages.DELETE_TOO_MANY_IDS],
  ])("refuses 51 %s", async (family, list, message) => {
    const response = await call(braze.url, "/users/delete", { [family]: list }, { key: "combined" });
    expect(response).toMatchObject({ status: 400, body: { message } });
    expect(message).toMatch(/^The max number of .* per request was exceeded$/);
  });

  it("refuses mixed id families, however few", async () => {
    const response = await call(
      braze.url,
      "/users/delete",
      { external_ids: ["a"], braze_ids: ["b"] },
      { key: "combined" },
    );
    expect(response).toMatchObject({
      status: 400,
      body: { message: "The max number of ids per request was exceeded" },
    });
  });

  it("refuses a body naming no ids, or ids of the wrong shape", async () => {
    for (const body of [{}, { external_ids: "a" }, { external_ids: [1] }, { user_aliases: [{ alias_name: "x" }] }]) {
      expect(await call(braze.url, "/users/delete", body, { key: "combined" })).toMatchObject({
        status: 400,
        body: { message: "Bad Request" },
      });
    }
  });
});

describe("/users/merge, /users/identify and /users/export/ids limits", () => {
  const merge = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      identifier_to_merge: { external_id: `old${i}` },
      identifier_to_keep: { external_id: `new${i}` },
    }));

  it("merge takes 50 updates (202) and refuses 51 with Braze's text", async () => {
    expect(await call(braze.url, "/users/merge", { merge_updates: merge(50) }, { key: "combined" })).toMatchObject({
      status: 202,
      body: { message: "success" },
    });
    expect(await call(braze.url, "/users/merge", { merge_updates: merge(51) }, { key: "combined" })).toMatchObject({
      status: 400,
      body: { message: "a single request may not contain more than 50 merge updates" },
    });
  });

  it.each([
    [{}, brazeMessages.MERGE_NOT_ARRAY],
    [{ merge_updates: [1] }, brazeMessages.MERGE_NOT_ARRAY],
    [
      {
        merge_updates: [{ identifier_to_merge: { external_id: "a" }, identifier_to_keep: { external_id: "b" }, x: 1 }],
      },
      brazeMessages.MERGE_EXTRA_KEYS,
    ],
    [
      { merge_updates: [{ identifier_to_merge: { braze_id: "a" }, identifier_to_keep: { external_id: "b" } }] },
      brazeMessages.MERGE_BAD_IDENTIFIER,
    ],
    [
      {
        merge_updates: [
          {
            identifier_to_merge: { user_alias: { alias_name: "a", alias_label: "l" } },
            identifier_to_keep: { external_id: "b" },
          },
        ],
      },
      brazeMessages.MERGE_MIXED_IDENTIFIERS,
    ],
  ])("merge refuses %j", async (body, message) => {
    expect(await call(braze.url, "/users/merge", body, { key: "combined" })).toMatchObject({
      status: 400,
      body: { message },
    });
  });

  it("identify and export take 50 and refuse 51", async () => {
    const aliases = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        external_id: `x${i}`,
        user_alias: { alias_name: `a${i}`, alias_label: "l" },
      }));
    expect(
      await call(braze.url, "/users/identify", { aliases_to_identify: aliases(50) }, { key: "combined" }),
    ).toMatchObject({
      status: 201,
      body: { aliases_processed: 50, message: "success" },
    });
    expect(
      await call(braze.url, "/users/identify", { aliases_to_identify: aliases(51) }, { key: "combined" }),
    ).toMatchObject({
      status: 400,
      body: { message: brazeMessages.IDENTIFY_TOO_MANY },
    });
    const ids = Array.from({ length: 51 }, (_, i) => `x${i}`);
    expect(
      (await call(braze.url, "/users/export/ids", { external_ids: ids.slice(0, 50) }, { key: "combined" })).status,
    ).toBe(200);
    expect(await call(braze.url, "/users/export/ids", { external_ids: ids }, { key: "combined" })).toMatchObject({
      status: 400,
      body: { message: brazeMessages.EXPORT_TOO_MANY },
    });
  });
});
