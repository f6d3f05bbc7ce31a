import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeBraze, startFakeBraze } from "../../../fakes/braze/index.ts";
import { call } from "./brazeHttp.ts";

let braze: FakeBraze;
beforeAll(async () => {
  braze = await startFakeBraze({ arrayCap: 5 });
});
afterAll(() => braze.close());
beforeEach(() => braze.reset());

const T = "2026-01-01T00:00:00Z";
const track = (body: unknown) => call(braze.url, "/users/track", body);
const attrs = (...attributes: Record<string, unknown>[]) => track({ attributes });
const attributesOf = (id: string) => braze.state.user(id)?.attributes;
const alias = { alias_name: "anon-1", alias_label: "device" };

describe("which profile an object updates", () => {
  it("external_id without _update_existing_only upserts", async () => {
    await attrs({ external_id: "u1", tier: "gold" });
    expect(braze.state.user("u1")).toMatchObject({ externalId: "u1", attributes: { tier: "gold" } });
  });

  it("_update_existing_only: true skips an unknown user silently, still answering success", async () => {
    const response = await attrs({ external_id: "ghost", _update_existing_only: true, tier: "gold" });
    expect(response).toMatchObject({ status: 200, body: { message: "success", attributes_processed: 1 } });
    expect(response.body).not.toHaveProperty("errors");
    expect(braze.state.user("ghost")).toBeUndefined();
  });

  it("_update_existing_only: true updates a known user", async () => {
    await attrs({ external_id: "u1", tier: "gold" });
    await attrs({ external_id: "u1", _update_existing_only: true, tier: "platinum" });
    expect(attributesOf("u1")).toEqual({ tier: "platinum" });
  });

  it("an alias creates a profile only with an explicit _update_existing_only: false", async () => {
    await attrs({ user_alias: alias, seen: 1 });
    expect(braze.state.userByAlias(alias)).toBeUndefined();
    await attrs({ user_alias: alias, _update_existing_only: false, seen: 1 });
    expect(braze.state.userByAlias(alias)).toMatchObject({
      externalId: undefined,
      aliases: [alias],
      attributes: { seen: 1 },
    });
    await attrs({ user_alias: alias, seen: 2 });
    expect(braze.state.userByAlias(alias)?.attributes).toEqual({ seen: 2 });
  });

  it("braze_id updates an existing profile and never creates one", async () => {
    await attrs({ external_id: "u1" });
    const brazeId = braze.state.user("u1")?.brazeId ?? "";
    await attrs({ braze_id: brazeId, via: "braze_id" }, { braze_id: "ffffffffffffffffffffffff", via: "nobody" });
    expect(braze.state.users()).toHaveLength(1);
    expect(braze.state.user(brazeId)?.attributes).toEqual({ via: "braze_id" });
  });

  it("email alone finds the profile holding it, preferring an identified one, and creates one when none does", async () => {
    await attrs({ email: "Ann@Example.com", first_name: "Ann" });
    const [emailOnly] = braze.state.users();
    expect(emailOnly).toMatchObject({
      externalId: undefined,
      attributes: { email: "Ann@Example.com", first_name: "Ann" },
    });
    await attrs({ external_id: "u1", email: "ann@example.com" });
    await attrs({ email: "ann@example.com", vip: true });
    expect(attributesOf("u1")).toEqual({ email: "ann@example.com", vip: true });
    expect(braze.state.user(emailOnly?.brazeId ?? "")?.attributes).not.toHaveProperty("vip");
  });

  it("phone alone identifies when no email is given", async () => {
    await attrs({ external_id: "u1", phone: "+15043277269" });
    await attrs({ phone: "+1 504 327 7269", sms: true });
    expect(braze.state.users()).toHaveLength(1);
    expect(attributesOf("u1")).toEqual({ phone: "+1 504 327 7269", sms: true });
  });

  it("with a primary identifier, email is just an attribute (an unknown external_id makes a duplicate)", async () => {
    await attrs({ external_id: "u1", email: "ann@example.com" });
    await attrs({ external_id: "u2", email: "ann@example.com" });
    expect(braze.state.users().map((user) => user.externalId)).toEqual(["u1", "u2"]);
  });
});

describe("attribute values", () => {
  it("null unsets; external_id and user_alias are never stored as attributes", async () => {
    await attrs({ external_id: "u1", a: 1, b: "x" });
    await attrs({ external_id: "u1", a: null, missing: null });
    expect(attributesOf("u1")).toEqual({ b: "x" });
  });

  it("inc adds, starting from 0 and accepting negatives", async () => {
    await attrs({ external_id: "u1", points: { inc: 5 } });
    await attrs({ external_id: "u1", points: { inc: 2.5 } }, { external_id: "u1", points: { inc: -1 } });
    expect(attributesOf("u1")).toEqual({ points: 6.5 });
  });

  it("numbers, booleans and nested objects are stored as sent", async () => {
    await attrs({ external_id: "u1", age: 30, vip: false, address: { city: "Lima", zip: null } });
    expect(attributesOf("u1")).toEqual({ age: 30, vip: false, address: { city: "Lima", zip: null } });
  });

  it("strings are cut at 255 characters", async () => {
    await attrs({ external_id: "u1", bio: "b".repeat(300), emoji: "😀".repeat(300), short: "ok" });
    const attributes = attributesOf("u1") ?? {};
    expect(attributes.bio).toBe("b".repeat(255));
    expect(Array.from(String(attributes.emoji))).toHaveLength(255);
    expect(attributes.short).toBe("ok");
  });

  it("an array value replaces the whole array (keeping the newest 5 past the cap)", async () => {
    await attrs({ external_id: "u1", tags: ["a", "b"] });
    await attrs({ external_id: "u1", tags: ["c"] });
    expect(attributesOf("u1")?.tags).toEqual(["c"]);
    await attrs({ external_id: "u1", tags: ["1", "2", "3", "4", "5", "6", "7"] });
    expect(attributesOf("u1")?.tags).toEqual(["3", "4", "5", "6", "7"]);
    await attrs({ external_id: "u1", tags: [] });
    expect(attributesOf("u1")?.tags).toEqual([]);
  });

  it("add appends unique values; re-adding moves a value to the end", async () => {
    await attrs({ external_id: "u1", tags: { add: ["a", "b", "a"] } });
    expect(attributesOf("u1")?.tags).toEqual(["b", "a"]);
    await attrs({ external_id: "u1", tags: { add: ["c", "b"] } });
    expect(attributesOf("u1")?.tags).toEqual(["a", "c", "b"]);
  });

  it("remove drops values, ignores absent ones, and combines with add (remove first)", async () => {
    await attrs({ external_id: "u1", tags: ["a", "b", "c"] });
    await attrs({ external_id: "u1", tags: { remove: ["b", "zzz"] } });
    expect(attributesOf("u1")?.tags).toEqual(["a", "c"]);
    await attrs({ external_id: "u1", tags: { add: ["d", "a"], remove: ["c", "a"] } });
    expect(attributesOf("u1")?.tags).toEqual(["d", "a"]);
    await attrs({ external_id: "u1", fresh: { remove: ["x"] } });
    expect(attributesOf("u1")?.fresh).toEqual([]);
  });

  it("past the cap the oldest values are evicted; a re-added value counts as newest", async () => {
    await attrs({ external_id: "u1", tags: { add: ["1", "2", "3", "4", "5"] } });
    await attrs({ external_id: "u1", tags: { add: ["1"] } });
    await attrs({ external_id: "u1", tags: { add: ["6"] } });
    expect(attributesOf("u1")?.tags).toEqual(["3", "4", "5", "1", "6"]);
    await attrs({ external_id: "u1", tags: { add: ["7", "8", "9"] } });
    expect(attributesOf("u1")?.tags).toEqual(["1", "6", "7", "8", "9"]);
  });

  it("values compare by type and content: 1 and '1' are different", async () => {
    await attrs({ external_id: "u1", mixed: { add: [1, "1", 1] } });
    expect(attributesOf("u1")?.mixed).toEqual(["1", 1]);
  });

  it("array strings are cut at 255 characters too", async () => {
    await attrs({ external_id: "u1", tags: { add: ["t".repeat(300)] } });
    expect(attributesOf("u1")?.tags).toEqual(["t".repeat(255)]);
  });

  it("the cap defaults to 25", async () => {
    await using fake = await startFakeBraze();
    const values = Array.from({ length: 30 }, (_, i) => `v${i}`);
    await call(fake.url, "/users/track", { attributes: [{ external_id: "u1", list: { add: values } }] });
    expect(fake.state.user("u1")?.attributes.list).toEqual(values.slice(5));
  });
});

describe("order within one request", () => {
  it("applies attributes before events and purchases, whatever the order of the keys", async () => {
    const response = await track({
      purchases: [
        { external_id: "new", _update_existing_only: true, product_id: "p", currency: "EUR", price: 3, time: T },
      ],
      events: [{ external_id: "new", _update_existing_only: true, name: "signed_up", time: T }],
      attributes: [{ external_id: "new", first_name: "Neo" }],
    });
    expect(response.body).toEqual({
      message: "success",
      attributes_processed: 1,
      events_processed: 1,
      purchases_processed: 1,
    });
    expect(braze.state.user("new")).toMatchObject({
      attributes: { first_name: "Neo" },
      events: [{ name: "signed_up" }],
      purchases: [{ productId: "p" }],
    });
  });

  it("skips events and purchases of an unknown user sent with _update_existing_only: true (counted, not stored)", async () => {
    const response = await track({
      events: [{ external_id: "ghost", _update_existing_only: true, name: "e", time: T }],
      purchases: [
        { external_id: "ghost", _update_existing_only: true, product_id: "p", currency: "EUR", price: 3, time: T },
      ],
    });
    expect(response.body).toEqual({ message: "success", events_processed: 1, purchases_processed: 1 });
    expect(braze.state.users()).toEqual([]);
    expect(braze.state.events()).toEqual([]);
    expect(braze.state.purchases()).toEqual([]);
  });

  it("an event with an external_id and no flag creates the profile", async () => {
    await track({ events: [{ external_id: "evt-only", name: "e", time: T }] });
    expect(braze.state.user("evt-only")).toMatchObject({ attributes: {}, events: [{ name: "e" }] });
  });

  it("several objects for one user apply in array order", async () => {
    await attrs(
      { external_id: "u1", step: 1 },
      { external_id: "u1", step: 2 },
      { external_id: "u1", step: { inc: 10 } },
    );
    expect(attributesOf("u1")).toEqual({ step: 12 });
  });
});
