import { describe, expect, it } from "vitest";
import type { JourneyRule } from "../../rules/index.ts";
import { JourneyRuleSchema, matchesJourneyRule, validateRule } from "../../rules/index.ts";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const DAY = 24 * 3_600_000;

const ana = {
  profile: { email: "ana@shop.com", tier: "VIP" },
  attributes: { city: "Lima", age: 34 },
  tags: ["vip"],
  consent: { email: "GRANTED" },
  devices: [],
  identified: true,
  stats: [
    {
      name: "FULFILL",
      count: 1,
      firstAt: new Date(NOW.getTime() - DAY).toISOString(),
      lastAt: new Date(NOW.getTime() - DAY).toISOString(),
      daily: {},
      recent: [new Date(NOW.getTime() - DAY).toISOString()],
    },
  ],
};

const cartUpdated = (properties: Record<string, unknown>) => ({ name: "cart_updated", properties });
const cart = cartUpdated({ cartId: "c1", total: 120, currency: "PEN", items: { count: 3, skus: ["a", "b"] } });

/** Given a parsed rule, when ana (with `event`, if any) is read at NOW, then whether it matches. */
function matches(rule: unknown, event?: ReturnType<typeof cartUpdated>): boolean {
  const parsed = JourneyRuleSchema.parse(rule);
  return matchesJourneyRule(parsed, { customer: ana, event }, NOW);
}

describe("journey rules: property conditions on the triggering event", () => {
  it("compare with each audience op", () => {
    expect(matches({ property: "cartId", op: "eq", value: "c1" }, cart)).toBe(true);
    expect(matches({ property: "cartId", op: "eq", value: "c2" }, cart)).toBe(false);
    expect(matches({ property: "cartId", op: "ne", value: "c2" }, cart)).toBe(true);
    expect(matches({ property: "total", op: "gte", value: 120 }, cart)).toBe(true);
    expect(matches({ property: "total", op: "gt", value: 120 }, cart)).toBe(false);
    expect(matches({ property: "total", op: "lt", value: 200 }, cart)).toBe(true);
    expect(matches({ property: "currency", op: "in", value: ["USD", "PEN"] }, cart)).toBe(true);
    expect(matches({ property: "currency", op: "nin", value: ["USD", "PEN"] }, cart)).toBe(false);
    expect(matches({ property: "items.skus", op: "contains", value: "b" }, cart)).toBe(true);
    expect(matches({ property: "currency", op: "contains", value: "E" }, cart)).toBe(true);
  });

  it("read nested properties by a dotted path", () => {
    expect(matches({ property: "items.count", op: "eq", value: 3 }, cart)).toBe(true);
    expect(matches({ property: "items.count", op: "gt", value: 3 }, cart)).toBe(false);
  });

  it("treat numbers and strings apart, as audience ops do", () => {
    const stringy = cartUpdated({ total: "120" });
    expect(matches({ property: "total", op: "eq", value: 120 }, stringy)).toBe(false);
    expect(matches({ property: "total", op: "gt", value: 100 }, stringy)).toBe(false);
    expect(matches({ property: "total", op: "gt", value: "100" }, stringy)).toBe(true);
    expect(matches({ property: "total", op: "gt", value: "100" }, cart)).toBe(false);
  });

  it("see a missing property as absent: exists false, ne and nin match, comparisons do not", () => {
    expect(matches({ property: "coupon", op: "exists", value: true }, cart)).toBe(false);
    expect(matches({ property: "coupon", op: "exists", value: false }, cart)).toBe(true);
    expect(matches({ property: "items.count", op: "exists", value: true }, cart)).toBe(true);
    expect(matches({ property: "coupon", op: "ne", value: "X" }, cart)).toBe(true);
    expect(matches({ property: "coupon", op: "nin", value: ["X"] }, cart)).toBe(true);
    expect(matches({ property: "coupon", op: "eq", value: null }, cart)).toBe(true);
    expect(matches({ property: "coupon", op: "gte", value: 0 }, cart)).toBe(false);
  });

  it("never match without an event, whatever the op", () => {
    for (const rule of [
      { property: "cartId", op: "exists", value: false },
      { property: "cartId", op: "ne", value: "c1" },
      { property: "cartId", op: "nin", value: ["c1"] },
      { property: "cartId", op: "eq", value: null },
    ]) {
      expect(matches(rule)).toBe(false);
    }
    expect(matches({ not: { property: "cartId", op: "exists", value: true } })).toBe(true);
  });
});

describe("journey rules: customer conditions", () => {
  it("are evaluated exactly as audience rules, with or without an event", () => {
    expect(matches({ attribute: "tier", op: "eq", value: "VIP" })).toBe(true);
    expect(matches({ attribute: "attributes.city", op: "eq", value: "Quito" }, cart)).toBe(false);
    expect(matches({ tag: "vip" }, cart)).toBe(true);
    expect(matches({ consent: "email" })).toBe(true);
    expect(matches({ hasDevice: true })).toBe(false);
    expect(matches({ event: "FULFILL", within: { days: 2 } })).toBe(true);
    expect(matches({ event: "FULFILL", notWithin: { days: 2 } })).toBe(false);
  });

  it("nest with property conditions inside all, any and not", () => {
    const rule: JourneyRule = {
      all: [
        { tag: "vip" },
        {
          any: [
            { property: "total", op: "gte", value: 100 },
            { not: { property: "currency", op: "eq", value: "PEN" } },
          ],
        },
      ],
    };
    expect(matches(rule, cart)).toBe(true);
    expect(matches(rule, cartUpdated({ total: 50, currency: "PEN" }))).toBe(false);
    expect(matches(rule, cartUpdated({ total: 50, currency: "USD" }))).toBe(true);
    expect(matches({ not: { all: [{ tag: "vip" }, { property: "cartId", op: "eq", value: "c1" }] } }, cart)).toBe(
      false,
    );
  });

  it("do not read an event attribute as the customer's", () => {
    const event = cartUpdated({ tier: "BRONZE" });
    expect(matches({ attribute: "tier", op: "eq", value: "VIP" }, event)).toBe(true);
    expect(matches({ property: "tier", op: "eq", value: "VIP" }, event)).toBe(false);
  });
});

describe("journey rules: grammar", () => {
  const problems = (rule: unknown) =>
    (JourneyRuleSchema.safeParse(rule).error?.issues ?? []).map((i) => ({ path: i.path, message: i.message }));

  it("refuses a bad property path, naming the node", () => {
    const message = "must be <key>[.<key>…] (keys may not contain $ or be empty)";
    for (const property of ["", "a..b", ".a", "a.", "$where", "a.$b", 3]) {
      expect(problems({ all: [{ property, op: "eq", value: 1 }] })).toEqual([
        { path: ["all", 0, "property"], message },
      ]);
    }
  });

  it("checks value against op as audience attributes do", () => {
    expect(problems({ property: "a", op: "gt", value: true })).toEqual([
      { path: ["value"], message: "must be a number or a string for gt" },
    ]);
    expect(problems({ property: "a", op: "in", value: "x" })).toEqual([
      { path: ["value"], message: "must be an array for in" },
    ]);
    expect(problems({ property: "a", op: "exists", value: 1 })).toEqual([
      { path: ["value"], message: "must be true or false for exists" },
    ]);
    expect(problems({ property: "a", op: "like", value: 1 })).toEqual([
      { path: ["op"], message: "must be one of eq, ne, gt, gte, lt, lte, in, nin, exists, contains" },
    ]);
    expect(problems({ property: "a", op: "eq" })).toEqual([{ path: ["value"], message: "is required" }]);
  });

  it("names property among the keys a node may have, and refuses unknown keys", () => {
    expect(problems({ nothing: 1 })).toEqual([
      {
        path: [],
        message: "must be an object with one of all, any, not, attribute, tag, consent, hasDevice, event, property",
      },
    ]);
    expect(problems({ property: "a", tag: "t" })).toEqual([
      { path: [], message: "must have only one of tag, property" },
    ]);
    expect(problems({ property: "a", op: "eq", value: 1, extra: 2 })).toEqual([
      { path: [], message: "has unknown key(s): extra" },
    ]);
  });

  it("is the journeys' own: audience rules still refuse a property condition", () => {
    expect(validateRule({ all: [{ property: "cartId", op: "exists", value: true }] })).toEqual({
      ok: false,
      errors: ["all[0] must be an object with one of all, any, not, attribute, tag, consent, hasDevice, event"],
    });
  });

  it("keeps audience rules' bounds, checked before the grammar", () => {
    const conditions = (n: number) => ({
      any: Array.from({ length: n }, (_, i) => ({ property: `p${i}`, op: "exists", value: true })),
    });
    expect(JourneyRuleSchema.safeParse(conditions(100)).success).toBe(true);
    expect(problems(conditions(101))).toEqual([{ path: [], message: "must hold at most 100 conditions" }]);
    let deep: unknown = { property: "a", op: "exists", value: true };
    for (let i = 0; i < 10; i++) deep = { not: deep };
    expect(problems(deep)).toEqual([{ path: [], message: "must nest at most 10 levels deep" }]);
  });
});
