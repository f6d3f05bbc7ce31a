import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { brazeMessages, type FakeBraze, startFakeBraze } from "../../../fakes/braze/index.ts";
import { call, manualClock } from "./brazeHttp.ts";

const clock = manualClock(Date.parse("2026-03-01T12:00:00Z"));
let braze: FakeBraze;
beforeAll(async () => {
  braze = await startFakeBraze({ now: clock.now });
});
afterAll(() => braze.close());
beforeEach(() => braze.reset());

const track = (body: unknown) => call(braze.url, "/users/track", body);
const event = (fields: Record<string, unknown> = {}) => ({
  external_id: "u1",
  name: "opened",
  time: "2026-02-01T00:00:00Z",
  ...fields,
});
const purchase = (fields: Record<string, unknown> = {}) => ({
  external_id: "u1",
  product_id: "sku-1",
  currency: "USD",
  price: 9.99,
  time: "2026-02-01T00:00:00Z",
  ...fields,
});
const alias = (name: string) => ({ alias_name: name, alias_label: "device" });

describe("events and purchases", () => {
  it("are append-only: the same event sent twice is stored twice", async () => {
    await track({ events: [event(), event()] });
    await track({ events: [event()] });
    expect(braze.state.events("u1")).toHaveLength(3);
    expect(braze.state.user("u1")?.events).toHaveLength(3);
  });

  it("keep name, properties, app_id and the arrival time", async () => {
    await track({ events: [event({ properties: { screen: "home", n: 1 }, app_id: "app-1" })] });
    expect(braze.state.events()).toEqual([
      {
        brazeId: braze.state.user("u1")?.brazeId,
        externalId: "u1",
        name: "opened",
        time: Date.parse("2026-02-01T00:00:00Z"),
        properties: { screen: "home", n: 1 },
        appId: "app-1",
        receivedAt: clock.now(),
      },
    ]);
  });

  it.each([
    ["2026-02-01T10:20:30Z", "2026-02-01T10:20:30.000Z"],
    ["2026-02-01T10:20:30.123+02:00", "2026-02-01T08:20:30.123Z"],
    ["2026-02-01T10:20:30:450+0100", "2026-02-01T09:20:30.450Z"],
    ["2026-02-01T10:20:30-05", "2026-02-01T15:20:30.000Z"],
    ["2026-02-01 10:20:30", "2026-02-01T10:20:30.000Z"],
    ["2026-02-01", "2026-02-01T00:00:00.000Z"],
  ])("read the time %s as %s (no zone: UTC)", async (sent, stored) => {
    await track({ events: [event({ time: sent })] });
    expect(new Date(braze.state.events()[0]?.time ?? 0).toISOString()).toBe(stored);
  });

  it("clamp a future time to the arrival time", async () => {
    await track({ events: [event({ time: "2030-01-01T00:00:00Z" })], purchases: [purchase({ time: "2099-01-01" })] });
    expect(braze.state.events()[0]?.time).toBe(clock.now());
    expect(braze.state.purchases()[0]?.time).toBe(clock.now());
  });

  it("purchases default quantity to 1 and accept negative prices (reversals)", async () => {
    await track({ purchases: [purchase(), purchase({ price: -9.99, quantity: 2, properties: { reason: "refund" } })] });
    expect(braze.state.purchases("u1")).toMatchObject([
      { productId: "sku-1", currency: "USD", price: 9.99, quantity: 1 },
      { price: -9.99, quantity: 2, properties: { reason: "refund" } },
    ]);
  });

  it("refuse negative prices when configured to", async () => {
    await using strict = await startFakeBraze({ allowNegativePrice: false });
    const response = await call(strict.url, "/users/track", { purchases: [purchase(), purchase({ price: -1 })] });
    expect(response.body).toEqual({
      message: "success",
      purchases_processed: 1,
      errors: [{ type: brazeMessages.PRICE_NOT_VALID, input_array: "purchases", index: 1 }],
    });
  });
});

describe("/users/delete", () => {
  it("removes the profiles; their history stays in the logs; unknown ids count as queued", async () => {
    await track({ attributes: [{ external_id: "u1" }, { external_id: "u2" }], events: [event()] });
    const response = await call(braze.url, "/users/delete", { external_ids: ["u1", "nobody"] });
    expect(response).toMatchObject({ status: 200, body: { deleted: 2, message: "success" } });
    expect(braze.state.user("u1")).toBeUndefined();
    expect(braze.state.user("u2")).toBeDefined();
    expect(braze.state.events("u1")).toHaveLength(1);
  });

  it("finds profiles by braze_id, alias, email and phone", async () => {
    await track({
      attributes: [
        { external_id: "a" },
        { user_alias: alias("anon"), _update_existing_only: false },
        { external_id: "c", email: "c@example.com" },
        { external_id: "d", phone: "+15550001111" },
      ],
    });
    const brazeId = braze.state.user("a")?.brazeId;
    await call(braze.url, "/users/delete", { braze_ids: [brazeId] });
    await call(braze.url, "/users/delete", { user_aliases: [alias("anon")] });
    await call(braze.url, "/users/delete", {
      email_addresses: [{ email: "C@example.com", prioritization: ["most_recently_updated"] }],
    });
    await call(braze.url, "/users/delete", { phone_numbers: ["+15550001111"] });
    expect(braze.state.users()).toEqual([]);
  });
});

describe("/users/merge", () => {
  it("copies fields only the merged user has, moves its history, and deletes it", async () => {
    await track({
      attributes: [
        { external_id: "old", first_name: "Old", city: "Lima" },
        { external_id: "new", first_name: "New" },
      ],
      events: [event({ external_id: "old" })],
    });
    const response = await call(braze.url, "/users/merge", {
      merge_updates: [{ identifier_to_merge: { external_id: "old" }, identifier_to_keep: { external_id: "new" } }],
    });
    expect(response).toMatchObject({ status: 202, body: { message: "success" } });
    expect(braze.state.user("old")).toBeUndefined();
    expect(braze.state.user("new")).toMatchObject({
      attributes: { first_name: "New", city: "Lima" },
      events: [{ name: "opened", externalId: "new" }],
    });
  });

  it("skips updates naming unknown users", async () => {
    await track({ attributes: [{ external_id: "new", first_name: "New" }] });
    const response = await call(braze.url, "/users/merge", {
      merge_updates: [{ identifier_to_merge: { external_id: "ghost" }, identifier_to_keep: { external_id: "new" } }],
    });
    expect(response.status).toBe(202);
    expect(braze.state.users()).toHaveLength(1);
  });
});

describe("/users/identify", () => {
  it("gives an alias-only profile the external_id", async () => {
    await track({ attributes: [{ user_alias: alias("anon"), _update_existing_only: false, seen: 1 }] });
    const response = await call(braze.url, "/users/identify", {
      aliases_to_identify: [{ external_id: "u1", user_alias: alias("anon") }],
    });
    expect(response).toMatchObject({ status: 201, body: { aliases_processed: 1, message: "success" } });
    expect(braze.state.user("u1")).toMatchObject({ aliases: [alias("anon")], attributes: { seen: 1 } });
  });

  it("joins the alias to an existing external_id, orphaning the alias profile's data unless merge_behavior is merge", async () => {
    await track({
      attributes: [
        { user_alias: alias("a1"), _update_existing_only: false, from_alias: 1 },
        { user_alias: alias("a2"), _update_existing_only: false, from_alias: 2 },
        { external_id: "u1", own: true },
      ],
    });
    await call(braze.url, "/users/identify", { aliases_to_identify: [{ external_id: "u1", user_alias: alias("a1") }] });
    expect(braze.state.user("u1")?.attributes).toEqual({ own: true });
    await call(braze.url, "/users/identify", {
      aliases_to_identify: [{ external_id: "u1", user_alias: alias("a2") }],
      merge_behavior: "merge",
    });
    expect(braze.state.user("u1")?.attributes).toEqual({ own: true, from_alias: 2 });
    expect(braze.state.users()).toHaveLength(1);
    expect(braze.state.userByAlias(alias("a2"))?.externalId).toBe("u1");
  });
});

describe("/users/export/ids", () => {
  it("exports Braze's user object, naming ids it does not know", async () => {
    await track({
      attributes: [{ external_id: "u1", first_name: "Ann", email: "ann@example.com", tier: "gold" }],
      events: [event(), event({ time: "2026-02-02T00:00:00Z" })],
      purchases: [purchase({ quantity: 2 })],
    });
    const response = await call(braze.url, "/users/export/ids", { external_ids: ["u1", "ghost"] });
    expect(response).toMatchObject({
      status: 200,
      body: {
        message: "success",
        invalid_user_ids: ["ghost"],
        users: [
          {
            external_id: "u1",
            braze_id: braze.state.user("u1")?.brazeId,
            first_name: "Ann",
            email: "ann@example.com",
            custom_attributes: { tier: "gold" },
            custom_events: [
              { name: "opened", count: 2, first: "2026-02-01T00:00:00.000Z", last: "2026-02-02T00:00:00.000Z" },
            ],
            purchases: [{ name: "sku-1", count: 1 }],
            total_revenue: 19.98,
          },
        ],
      },
    });
  });

  it("trims to fields_to_export and finds by alias, braze_id and email", async () => {
    await track({
      attributes: [{ user_alias: alias("x"), _update_existing_only: false, email: "x@example.com", a: 1 }],
    });
    const response = await call(braze.url, "/users/export/ids", {
      user_aliases: [alias("x")],
      email_address: "x@example.com",
      fields_to_export: ["user_aliases", "email"],
    });
    expect(response.body).toEqual({
      message: "success",
      users: [{ user_aliases: [alias("x")], email: "x@example.com" }],
    });
  });
});
