import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeBraze, type InputArray, brazeMessages as m, startFakeBraze } from "../../../fakes/braze/index.ts";
import { call } from "./brazeHttp.ts";

let braze: FakeBraze;
beforeAll(async () => {
  braze = await startFakeBraze();
});
afterAll(() => braze.close());

const T = "2026-01-01T00:00:00Z";
const good: Record<InputArray, Record<string, unknown>> = {
  attributes: { external_id: "ok", plan: "gold" },
  events: { external_id: "ok", name: "opened", time: T },
  purchases: { external_id: "ok", product_id: "sku", currency: "USD", price: 1, time: T },
};
const kb = (n: number) => "x".repeat(n * 1024);

/** Sends [valid, bad] in one array: Braze answers 200, reports index 1, and processes index 0 only. */
async function expectSkipped(array: InputArray, bad: unknown, type: string) {
  braze.reset();
  const response = await call(braze.url, "/users/track", { [array]: [good[array], bad] });
  expect(response).toEqual({
    status: 200,
    headers: expect.anything(),
    body: { message: "success", [`${array}_processed`]: 1, errors: [{ type, input_array: array, index: 1 }] },
  });
  const history = braze.state.events().length + braze.state.purchases().length;
  expect(braze.state.users().map((user) => user.externalId)).toEqual(["ok"]);
  expect(history).toBe(array === "attributes" ? 0 : 1);
}

const identifierCases: [string, unknown, string][] = [
  ["no identifier", { first_name: "x", name: "e", time: T }, m.NO_IDENTIFIER],
  ["an empty external_id and nothing else", { external_id: "" }, m.NO_IDENTIFIER],
  ["an element that is not an object", 7, m.NO_IDENTIFIER],
  ["external_id and braze_id", { external_id: "a", braze_id: "b" }, m.MULTIPLE_IDENTIFIERS],
  [
    "external_id and user_alias",
    { external_id: "a", user_alias: { alias_name: "n", alias_label: "l" } },
    m.MULTIPLE_IDENTIFIERS,
  ],
  ["a 988-byte external_id", { external_id: "é".repeat(494) }, "EXTERNAL_USER_ID_TOO_LARGE"],
  ["a blocklisted external_id", { external_id: "null" }, "BLACKLISTED_EXTERNAL_USER_ID"],
  ["a blocklisted external_id in other case", { external_id: "Undefined" }, "BLACKLISTED_EXTERNAL_USER_ID"],
  ["a numeric external_id", { external_id: 42 }, m.BAD_EXTERNAL_ID],
  ["a user_alias without a label", { user_alias: { alias_name: "n" } }, m.BAD_USER_ALIAS],
  ["an email identifier that is no email", { email: "not-an-email" }, "EMAIL_BAD_FORMAT"],
];

describe.each(["attributes", "events", "purchases"] as const)("identifiers in %s", (array) => {
  it.each(identifierCases)("%s is skipped", async (_, fields, type) => {
    const bad = typeof fields === "object" && fields !== null ? { ...withoutIdentity(good[array]), ...fields } : fields;
    await expectSkipped(array, bad, type);
  });

  it("a 987-byte external_id is taken", async () => {
    braze.reset();
    const id = `${"é".repeat(493)}x`;
    const response = await call(braze.url, "/users/track", { [array]: [{ ...good[array], external_id: id }] });
    expect(response.body).toEqual({ message: "success", [`${array}_processed`]: 1 });
    expect(braze.state.user(id)).toBeDefined();
  });
});

function withoutIdentity(object: Record<string, unknown>): Record<string, unknown> {
  const { external_id: _, ...rest } = object;
  return rest;
}

describe("attributes", () => {
  it.each([
    ["a malformed email", { email: "ann@" }, "EMAIL_BAD_FORMAT"],
    ["a bad email_subscribe", { email_subscribe: "yes" }, "BAD_EMAIL_SUBSCRIPTION_STATE"],
    ["a bad push_subscribe", { push_subscribe: "maybe" }, "BAD_PUSH_SUBSCRIPTION_STATE"],
    ["subscription_groups not an array", { subscription_groups: "g" }, "BAD_SUBSCRIPTION_GROUP_ARRAY"],
    ["a subscription group not an object", { subscription_groups: [1] }, "BAD_SUBSCRIPTION_GROUP_HASH"],
    [
      "a subscription group without id",
      { subscription_groups: [{ subscription_state: "subscribed" }] },
      "BAD_SUBSCRIPTION_GROUP_ID",
    ],
    [
      "a subscription group with a bad state",
      { subscription_groups: [{ subscription_group_id: "g", subscription_state: "opted_in" }] },
      "BAD_SUBSCRIPTION_GROUP_STATE",
    ],
  ])("%s is skipped", async (_, fields, type) => {
    await expectSkipped("attributes", { external_id: "bad", ...fields }, type);
  });

  it("valid subscription states are taken", async () => {
    const response = await call(braze.url, "/users/track", {
      attributes: [
        {
          external_id: "subs",
          email: "ann@example.com",
          email_subscribe: "opted_in",
          push_subscribe: "unsubscribed",
          subscription_groups: [{ subscription_group_id: "g1", subscription_state: "subscribed" }],
        },
      ],
    });
    expect(response.body).toEqual({ message: "success", attributes_processed: 1 });
  });
});

describe("events", () => {
  it.each([
    ["a missing name", { name: undefined }, m.NAME_REQUIRED],
    ["an empty name", { name: "" }, m.NAME_REQUIRED],
    ["a missing time", { time: undefined }, m.TIME_NOT_VALID],
    ["a time in words", { time: "yesterday" }, m.TIME_NOT_VALID],
    ["month 13", { time: "2026-13-01T00:00:00Z" }, m.TIME_NOT_VALID],
    ["31 February", { time: "2026-02-31T00:00:00Z" }, m.TIME_NOT_VALID],
    ["an epoch number", { time: 1_767_225_600 }, m.TIME_NOT_VALID],
    ["properties that are an array", { properties: [1] }, m.PROPERTIES_NOT_VALID],
    ["an empty property key", { properties: { "": 1 } }, m.propertyKeyNotValid("")],
    ["a property key starting with $", { properties: { $price: 1 } }, m.propertyKeyNotValid("$price")],
    ["the reserved key time", { properties: { time: "x" } }, m.propertyKeyNotValid("time")],
    ["the reserved key event_name", { properties: { event_name: "x" } }, m.propertyKeyNotValid("event_name")],
    ["a 256-character key", { properties: { ["k".repeat(256)]: 1 } }, m.propertyKeyNotValid("k".repeat(256))],
    ["properties over 100 KB", { properties: { blob: kb(100) } }, m.PROPERTIES_TOO_LARGE],
  ])("%s is skipped", async (_, fields, type) => {
    await expectSkipped("events", { ...good.events, external_id: "bad", ...fields }, type);
  });

  it("a 255-character key, a nested $ key and 99 KB of properties are taken", async () => {
    const response = await call(braze.url, "/users/track", {
      events: [{ ...good.events, properties: { ["k".repeat(255)]: 1, nested: { $ok: 1 }, blob: kb(99) } }],
    });
    expect(response.body).toEqual({ message: "success", events_processed: 1 });
  });
});

describe("purchases", () => {
  it.each([
    ["a missing product_id", { product_id: undefined }, m.PRODUCT_ID_NOT_VALID],
    ["a 256-character product_id", { product_id: "p".repeat(256) }, m.PRODUCT_ID_NOT_VALID],
    ["a lower-case currency", { currency: "usd" }, m.CURRENCY_NOT_VALID],
    ["a 4-letter currency", { currency: "EURO" }, m.CURRENCY_NOT_VALID],
    ["a missing currency", { currency: undefined }, m.CURRENCY_NOT_VALID],
    ["a price in a string", { price: "12.50" }, m.PRICE_NOT_VALID],
    ["a missing price", { price: undefined }, m.PRICE_NOT_VALID],
    ["quantity 0", { quantity: 0 }, "'quantity' is not valid"],
    ["quantity 101", { quantity: 101 }, "'quantity' is not valid"],
    ["quantity 1.5", { quantity: 1.5 }, "'quantity' is not valid"],
    ["quantity as a string", { quantity: "2" }, "'quantity' is not valid"],
    ["an unparsable time", { time: "2026-01-01T25:00:00Z" }, m.TIME_NOT_VALID],
    ["a bad property key", { properties: { $x: 1 } }, m.propertyKeyNotValid("$x")],
    ["properties over 50 KB", { properties: { blob: kb(50) } }, m.PROPERTIES_TOO_LARGE],
  ])("%s is skipped", async (_, fields, type) => {
    await expectSkipped("purchases", { ...good.purchases, external_id: "bad", ...fields }, type);
  });

  it("quantity 1 and 100, and 49 KB of properties, are taken", async () => {
    const response = await call(braze.url, "/users/track", {
      purchases: [
        { ...good.purchases, quantity: 1 },
        { ...good.purchases, quantity: 100, properties: { blob: kb(49) } },
      ],
    });
    expect(response.body).toEqual({ message: "success", purchases_processed: 2 });
  });
});

describe("whole-request answers", () => {
  it("reports errors in every array with their own indices, and counts only the valid objects", async () => {
    const response = await call(braze.url, "/users/track", {
      attributes: [{ plan: "x" }, good.attributes],
      events: [good.events, good.events, { ...good.events, name: "" }],
      purchases: [{ ...good.purchases, quantity: 0 }, good.purchases],
    });
    expect(response).toMatchObject({
      status: 200,
      body: {
        message: "success",
        attributes_processed: 1,
        events_processed: 2,
        purchases_processed: 1,
        errors: [
          { type: m.NO_IDENTIFIER, input_array: "attributes", index: 0 },
          { type: m.NAME_REQUIRED, input_array: "events", index: 2 },
          { type: "'quantity' is not valid", input_array: "purchases", index: 0 },
        ],
      },
    });
  });

  it("answers 400 with every error when no object is valid, and applies nothing", async () => {
    braze.reset();
    const response = await call(braze.url, "/users/track", {
      attributes: [{ external_id: "a", email: "nope" }],
      events: [{ external_id: "a", time: T }],
    });
    expect(response).toMatchObject({
      status: 400,
      body: {
        message: "Valid data must be provided in the 'attributes', 'events', or 'purchases' fields.",
        errors: [
          { type: "EMAIL_BAD_FORMAT", input_array: "attributes", index: 0 },
          { type: m.NAME_REQUIRED, input_array: "events", index: 0 },
        ],
      },
    });
    expect(braze.state.users()).toEqual([]);
  });

  it.each([{}, { attributes: [], events: [], purchases: [] }, { attributes: null }, { partner: "Masivo" }])(
    "answers 400 'Valid data must be provided…' to the empty body %j",
    async (body) => {
      const response = await call(braze.url, "/users/track", body);
      expect(response).toMatchObject({ status: 400, body: { message: m.VALID_DATA_REQUIRED } });
      expect(response.body).not.toHaveProperty("errors");
    },
  );

  it("leaves out the *_processed of arrays not sent", async () => {
    const response = await call(braze.url, "/users/track", { events: [good.events] });
    expect(response.body).toEqual({ message: "success", events_processed: 1 });
  });
});

describe("the blocklist is configurable", () => {
  it("refuses the configured ids only", async () => {
    await using fake = await startFakeBraze({ blocklistedExternalIds: ["dummy-user"] });
    const response = await call(fake.url, "/users/track", {
      attributes: [{ external_id: "null" }, { external_id: "DUMMY-USER" }],
    });
    expect(response.body).toEqual({
      message: "success",
      attributes_processed: 1,
      errors: [{ type: "BLACKLISTED_EXTERNAL_USER_ID", input_array: "attributes", index: 1 }],
    });
  });
});
