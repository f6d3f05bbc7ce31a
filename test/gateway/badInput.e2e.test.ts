import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, uniqueId, type World } from "../support/world.ts";

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world.close());

const TRACK = "mutation($events: [EventInput!]!) { trackEvents(events: $events) { accepted } }";
const UPSERT = "mutation($input: CustomerInput!) { upsertCustomer(input: $input) { accepted } }";
const DEVICE = "mutation($input: DeviceInput!) { registerDevice(input: $input) { accepted } }";
const c = "customer-1";

const cases: [string, string, Record<string, unknown>, RegExp][] = [
  ["an empty batch", TRACK, { events: [] }, /events: must hold at least one event/],
  [
    "a 1,001-event batch",
    TRACK,
    { events: Array.from({ length: 1001 }, () => ({ customerId: c, name: "x" })) },
    /events: must hold at most 1000 events/,
  ],
  [
    "a FULFILL without items",
    TRACK,
    { events: [{ customerId: c, name: "FULFILL", properties: { orderId: "o", currency: "USD", items: [] } }] },
    /events\[0\]\.properties\.items: FULFILL needs at least one item/,
  ],
  [
    "a FULFILL whose item has no price, after a valid event",
    TRACK,
    {
      events: [
        { customerId: c, name: "ok" },
        {
          customerId: c,
          name: "FULFILL",
          properties: { orderId: "o", currency: "USD", items: [{ sku: "s", quantity: 1 }] },
        },
      ],
    },
    /events\[1\]\.properties\.items\[0\]\.price/,
  ],
  [
    "a REVERSE without an order",
    TRACK,
    { events: [{ customerId: c, name: "REVERSE", properties: {} }] },
    /events\[0\]\.properties\.orderId/,
  ],
  [
    "a bad DateTime",
    TRACK,
    { events: [{ customerId: c, name: "x", timestamp: "2026-13-45" }] },
    /events\[0\]\.timestamp.*ISO-8601/,
  ],
  [
    "a DateTime without a time zone",
    TRACK,
    { events: [{ customerId: c, name: "x", timestamp: "2026-11-23T10:00:00" }] },
    /events\[0\]\.timestamp/,
  ],
  [
    "properties that are not an object",
    TRACK,
    { events: [{ customerId: c, name: "x", properties: [1, 2] }] },
    /events\[0\]\.properties: must be a JSON object/,
  ],
  ["an empty event name", TRACK, { events: [{ customerId: c, name: " " }] }, /events\[0\]\.name: must not be empty/],
  ["a wrong type", TRACK, { events: [{ customerId: c, name: 42 }] }, /events\[0\]\.name.*String cannot represent/],
  [
    "a missing required field",
    TRACK,
    { events: [{ name: "x" }] },
    /events\[0\].*"customerId" of required type "ID!" was not provided/,
  ],
  [
    "an unknown enum value",
    DEVICE,
    { input: { customerId: c, token: "t", platform: "PHONE" } },
    /input\.platform.*"PHONE" does not exist in "DevicePlatform"/,
  ],
  [
    "a bad email",
    UPSERT,
    { input: { customerId: c, email: "not-an-email" } },
    /input\.email: must be an email address/,
  ],
  [
    "a phone that is not E.164",
    UPSERT,
    { input: { customerId: c, phone: "555-0123" } },
    /input\.phone: must be an E\.164 number/,
  ],
  [
    "attributes that are not an object",
    UPSERT,
    { input: { customerId: c, attributes: "gold" } },
    /input\.attributes: must be a JSON object/,
  ],
  [
    "an unknown consent value",
    UPSERT,
    { input: { customerId: c, consent: { email: "MAYBE" } } },
    /input\.consent\.email.*"MAYBE"/,
  ],
];

describe("bad input", () => {
  it.each(cases)(
    "refuses %s with an error naming the field, and publishes nothing",
    async (_name, query, variables, message) => {
      const before = await world.ingestedCommands();
      const result = await world.graphql(query, variables);
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.[0]?.message).toMatch(message);
      expect(await world.ingestedCommands()).toHaveLength(before.length);
    },
  );

  it("names the field of an inline literal too", async () => {
    const result = await world.graphql(
      `mutation { trackEvents(events: [{ customerId: "c", name: "x", timestamp: "soon" }]) { accepted } }`,
    );
    expect(result.errors?.[0]?.message).toMatch(/DateTime.*"soon"/);
  });

  it("accepts the valid batch once it is corrected", async () => {
    const result = await world.graphql(TRACK, {
      events: [
        {
          customerId: uniqueId("c"),
          name: "FULFILL",
          properties: { orderId: "o", currency: "USD", items: [{ sku: "s", price: 9.5, quantity: 2 }] },
        },
      ],
    });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ trackEvents: { accepted: 1 } });
  });
});
