import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, uniqueId, type World } from "../support/world.ts";

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world.close());

const TRACK = "mutation($events: [EventInput!]!) { trackEvents(events: $events) { accepted ids } }";
const UPSERT = "mutation($input: CustomerInput!) { upsertCustomer(input: $input) { accepted ids } }";
const c = "customer-1";

/** `{ k1: { k2: … { k<depth>: leaf } } }` */
function nested(depth: number, leaf: unknown = 1): Record<string, unknown> {
  let value: unknown = leaf;
  for (let level = depth; level >= 1; level -= 1) value = { [`k${level}`]: value };
  return value as Record<string, unknown>;
}

const attributes = (value: unknown) => [UPSERT, { input: { customerId: c, attributes: value } }] as const;
/** The event with `properties` comes third, after two valid ones: the whole call is refused. */
const properties = (value: unknown) =>
  [
    TRACK,
    {
      events: [
        { customerId: c, name: "ok" },
        { customerId: c, name: "ok" },
        { customerId: c, name: "x", properties: value },
      ],
    },
  ] as const;
const order = (name: string, value: unknown) =>
  [
    TRACK,
    {
      events: [
        { customerId: c, name: "ok" },
        { customerId: c, name, properties: value },
      ],
    },
  ] as const;
const items = (count: number, item: (i: number) => Record<string, unknown>) =>
  Array.from({ length: count }, (_, i) => item(i));
const line = (i: number) => ({ sku: `sku-${i}`, price: 1, quantity: 1 });

const refused: [string, readonly [string, Record<string, unknown>], RegExp][] = [
  [
    "an attribute key with NUL",
    attributes({ "a\u0000b": 1 }),
    /^input\.attributes: key "a\\u0000b" must not contain NUL$/,
  ],
  [
    "a nested attribute key with NUL",
    attributes({ plan: { "x\u0000": 1 } }),
    /^input\.attributes\.plan: key "x\\u0000" must not contain NUL$/,
  ],
  [
    "an attribute key starting with $",
    attributes({ $set: 1 }),
    /^input\.attributes: key "\$set" must not start with "\$"$/,
  ],
  [
    "a $ key in an array of objects in the attributes",
    attributes({ list: [{ ok: 1 }, { $x: 2 }] }),
    /^input\.attributes\.list\[1\]: key "\$x" must not start with "\$"$/,
  ],
  ["a dotted attribute key", attributes({ "a.b": 1 }), /^input\.attributes: key "a\.b" must not contain "\."$/],
  [
    "a dotted attribute key two levels down",
    attributes({ a: { b: { "c.d": 1 } } }),
    /^input\.attributes\.a\.b: key "c\.d" must not contain "\."$/,
  ],
  ["an empty attribute key", attributes({ "": 1 }), /^input\.attributes: key "" must not be empty$/],
  [
    "an attribute key of 129 characters",
    attributes({ ["k".repeat(129)]: 1 }),
    /^input\.attributes: key "k{40}"… is longer than 128 characters$/,
  ],
  [
    "an attribute key of 129 emoji (258 UTF-16 units)",
    attributes({ ["😀".repeat(129)]: 1 }),
    /^input\.attributes: key "(😀){40}"… is longer than 128 characters$/,
  ],
  [
    "attributes nested 9 deep",
    attributes(nested(9)),
    /^input\.attributes\.k1\.k2\.k3\.k4\.k5\.k6\.k7\.k8\.k9: is nested deeper than 8 levels$/,
  ],
  [
    "attributes nested 9 deep through arrays",
    attributes({ a: [{ b: [{ c: [{ d: [{ e: 1 }] }] }] }] }),
    /^input\.attributes\.a\[0\]\.b\[0\]\.c\[0\]\.d\[0\]\.e: is nested deeper than 8 levels$/,
  ],
  [
    "an attribute holding an array directly inside an array",
    attributes({ matrix: [[1, 2]] }),
    /^input\.attributes\.matrix\[0\]: is an array directly inside an array, which the store cannot hold$/,
  ],
  [
    "an array inside an array deeper in the attributes",
    attributes({ a: { rows: [{ ok: 1 }, ["x"]] } }),
    /^input\.attributes\.a\.rows\[1\]: is an array directly inside an array, which the store cannot hold$/,
  ],
  [
    "an email of 255 characters",
    [UPSERT, { input: { customerId: c, email: `${"a".repeat(243)}@example.com` } }],
    /^input\.email: must be at most 254 characters$/,
  ],
  [
    "a property key with NUL, in the third event",
    properties({ "a\u0000": 1 }),
    /^events\[2\]\.properties: key "a\\u0000" must not contain NUL$/,
  ],
  [
    "a property key with NUL in an array of objects",
    properties({ cart: { lines: [{ sku: "a" }, { "s\u0000ku": "b" }] } }),
    /^events\[2\]\.properties\.cart\.lines\[1\]: key "s\\u0000ku" must not contain NUL$/,
  ],
  ["an empty property key", properties({ a: { "": 1 } }), /^events\[2\]\.properties\.a: key "" must not be empty$/],
  [
    "a property key of 129 characters",
    properties({ ["p".repeat(129)]: 1 }),
    /^events\[2\]\.properties: key "p{40}"… is longer than 128 characters$/,
  ],
  [
    "properties nested 9 deep",
    properties(nested(9)),
    /^events\[2\]\.properties\.k1\.k2\.k3\.k4\.k5\.k6\.k7\.k8\.k9: is nested deeper than 8 levels$/,
  ],
  [
    "a FULFILL of 101 items",
    order("FULFILL", { orderId: "o", currency: "USD", items: items(101, line) }),
    /^events\[1\]\.properties\.items: must hold at most 100 items$/,
  ],
  [
    "a FULFILL item with a sku of 256 characters",
    order("FULFILL", { orderId: "o", currency: "USD", items: [{ ...line(0), sku: "s".repeat(256) }] }),
    /^events\[1\]\.properties\.items\[0\]\.sku: must be at most 255 characters$/,
  ],
  [
    "a FULFILL item with a name of 256 characters",
    order("FULFILL", { orderId: "o", currency: "USD", items: [line(0), { ...line(1), name: "n".repeat(256) }] }),
    /^events\[1\]\.properties\.items\[1\]\.name: must be at most 255 characters$/,
  ],
  [
    "a FULFILL item of 10,001 units",
    order("FULFILL", { orderId: "o", currency: "USD", items: [{ ...line(0), quantity: 10_001 }] }),
    /^events\[1\]\.properties\.items\[0\]\.quantity: must be at most 10,000$/,
  ],
  [
    "a FULFILL whose orderId has 256 characters",
    order("FULFILL", { orderId: "o".repeat(256), currency: "USD", items: [line(0)] }),
    /^events\[1\]\.properties\.orderId: must be at most 255 characters$/,
  ],
  [
    "a REVERSE of 101 items",
    order("REVERSE", { orderId: "o", items: items(101, (i) => ({ sku: `s${i}`, quantity: 1 })) }),
    /^events\[1\]\.properties\.items: must hold at most 100 items$/,
  ],
  [
    "a REVERSE with a sku of 10,000 characters",
    order("REVERSE", { orderId: "o", items: [{ sku: "s".repeat(10_000), quantity: 1 }] }),
    /^events\[1\]\.properties\.items\[0\]\.sku: must be at most 255 characters$/,
  ],
  [
    "a CANCEL whose orderId has 256 characters",
    order("CANCEL", { orderId: "o".repeat(256) }),
    /^events\[1\]\.properties\.orderId: must be at most 255 characters$/,
  ],
];

describe("bounds of what a command carries", () => {
  it.each(refused)(
    "refuses %s with BAD_USER_INPUT naming the path, and stores nothing",
    async (_name, [query, variables], message) => {
      const before = await world.ingestedCommands();
      const result = await world.graphql(query, variables);
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(result.errors?.[0]?.message).toMatch(message);
      expect(await world.ingestedCommands()).toHaveLength(before.length);
    },
  );

  it("reports at most 10 problems of one value, however many it holds", async () => {
    const bad = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`$k${i}`, i]));
    const result = await world.graphql(...attributes(bad));
    expect(result.errors?.[0]?.extensions?.issues).toHaveLength(10);
    expect(result.errors?.[0]?.message).toMatch(
      /^input\.attributes: key "\$k0" must not start with "\$" \(and 9 more problems\)$/,
    );
  });

  it("takes what is within the bounds, as given", async () => {
    const customerId = uniqueId("c");
    // deepest.k1…k6, then the array's elements: 8 levels.
    const deepest = nested(6, [1, 2]);
    const wideKeys = { ["k".repeat(128)]: 1, ["😀".repeat(128)]: 2, "clé ünïcode": 3, "-dash_under": 4 };
    const eventProperties = {
      $price: 9.5,
      "a.b": { "$c.d": [{ "e.f": 1, $g: null }] },
      // Properties are never stored as a document's value: arrays in arrays are fine there.
      matrix: [[1, 2], [3]],
      deepest,
    };
    const fulfill = {
      orderId: "o".repeat(255),
      currency: "USD",
      items: items(100, (i) => ({ sku: `${i}`.padEnd(255, "s"), name: "n".repeat(255), price: 1, quantity: 10_000 })),
    };
    const upsert = await world.graphql(UPSERT, {
      input: {
        customerId,
        email: `${"a".repeat(242)}@example.com`,
        attributes: { ...wideKeys, deepest, list: [{ ok: [{ fine: true }] }] },
      },
    });
    const track = await world.graphql(TRACK, {
      events: [
        { customerId, name: "viewed", properties: eventProperties },
        { customerId, name: "FULFILL", properties: fulfill },
      ],
    });
    expect(upsert.errors).toBeUndefined();
    expect(track.errors).toBeUndefined();

    const mine = (await world.ingestedCommands()).filter((command) => command.metadata.customerId === customerId);
    expect(mine.map((command) => command.type)).toEqual(["customer.upsert", "event.track", "event.track"]);
    const [stored, viewed, fulfilled] = mine;
    expect(stored?.data).toMatchObject({ attributes: { ...wideKeys, deepest } });
    expect(viewed?.data).toMatchObject({ properties: eventProperties });
    expect(fulfilled?.data).toMatchObject({ properties: fulfill });
  });
});
