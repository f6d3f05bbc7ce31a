import { describe, expect, it } from "vitest";
import type { Rule } from "../../rules/index.ts";
import { compileRule, matchesRule, rulePaths, validateRule } from "../../rules/index.ts";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

/** An event stat whose occurrences happened `ages` milliseconds before NOW. */
function stat(name: string, ages: number[]) {
  const recent = ages.map(ago).sort().reverse().slice(0, 100);
  return { name, count: ages.length, firstAt: recent.at(-1), lastAt: recent[0], daily: {}, recent };
}

function customer(parts: {
  profile?: Record<string, string>;
  attributes?: Record<string, unknown>;
  tags?: string[];
  consent?: Record<string, string>;
  devices?: object[];
  stats?: ReturnType<typeof stat>[];
}) {
  return {
    profile: parts.profile ?? {},
    attributes: parts.attributes ?? {},
    tags: parts.tags ?? [],
    consent: parts.consent ?? {},
    devices: parts.devices ?? [],
    identified: true,
    stats: parts.stats ?? [],
  };
}

const customers = {
  ana: customer({
    profile: { email: "ana@shop.com", firstName: "Ana", tier: "VIP" },
    attributes: { city: "Lima", age: 34, interests: ["shoes", "bags"] },
    tags: ["newsletter", "vip"],
    consent: { email: "GRANTED", push: "DENIED", sms: "UNKNOWN" },
    devices: [{ token: "a1" }],
    stats: [stat("FULFILL", [1 * DAY, 5 * DAY, 20 * DAY]), stat("OPEN", [40 * DAY])],
  }),
  bob: customer({
    profile: { email: "bob@shopxcom.net", tier: "GOLD" },
    attributes: { city: "Cusco", age: 17, interests: ["games"] },
    tags: ["newsletter"],
    consent: { email: "DENIED", push: "GRANTED" },
    stats: [stat("FULFILL", [45 * DAY]), stat("OPEN", [2 * HOUR])],
  }),
  cho: customer({
    profile: { email: "cho@example.org", tier: "VIP" },
    attributes: { city: "Lima", age: 51, nickname: "Chocolate" },
    devices: [{ token: "c1" }, { token: "c2" }],
    stats: [stat("FULFILL", [2 * DAY, 3 * DAY])],
  }),
  dee: customer({ tags: ["vip"], consent: { email: "GRANTED" } }),
  eve: customer({
    profile: { tier: "SILVER" },
    attributes: { age: 25, interests: "shoelace" },
    tags: ["newsletter", "vip"],
    consent: { sms: "GRANTED" },
    devices: [{ token: "e1" }],
    stats: [stat("FULFILL", [1 * DAY, 2 * DAY, 3 * DAY, 4 * DAY, 5 * DAY])],
  }),
  fay: customer({
    profile: { tier: "GOLD" },
    attributes: { city: "lima" },
    consent: { push: "GRANTED" },
    devices: [{ token: "f1" }],
    stats: [stat("FULFILL", [29 * DAY + 23 * HOUR, 35 * DAY, 60 * DAY])],
  }),
};
type Name = keyof typeof customers;
const names = Object.keys(customers) as Name[];

const table: { title: string; rule: Rule; members: Name[] }[] = [
  { title: "tier eq VIP", rule: { attribute: "tier", op: "eq", value: "VIP" }, members: ["ana", "cho"] },
  {
    title: "FULFILL within 30 days",
    rule: { event: "FULFILL", within: { days: 30 } },
    members: ["ana", "cho", "eve", "fay"],
  },
  {
    title: "FULFILL at least 3 times in 30 days",
    rule: { event: "FULFILL", within: { days: 30 }, count: { gte: 3 } },
    members: ["ana", "eve"],
  },
  {
    title: "FULFILL exactly twice in 30 days",
    rule: { event: "FULFILL", within: { days: 30 }, count: { eq: 2 } },
    members: ["cho"],
  },
  {
    title: "FULFILL at most once in 30 days",
    rule: { event: "FULFILL", within: { days: 30 }, count: { lte: 1 } },
    members: ["bob", "dee", "fay"],
  },
  {
    title: "no OPEN in 7 days",
    rule: { event: "OPEN", notWithin: { days: 7 } },
    members: ["ana", "cho", "dee", "eve", "fay"],
  },
  {
    title: "FULFILL within 48 hours (boundary inclusive)",
    rule: { event: "FULFILL", within: { hours: 48 } },
    members: ["ana", "cho", "eve"],
  },
  {
    title: "vip tag and email consent",
    rule: { all: [{ tag: "vip" }, { consent: "email" }] },
    members: ["ana", "dee"],
  },
  {
    title: "city Lima (case-sensitive) or age >= 50",
    rule: {
      any: [
        { attribute: "attributes.city", op: "eq", value: "Lima" },
        { attribute: "attributes.age", op: "gte", value: 50 },
      ],
    },
    members: ["ana", "cho"],
  },
  { title: "not hasDevice", rule: { not: { hasDevice: true } }, members: ["bob", "dee"] },
  {
    title: "no device and push consent",
    rule: { all: [{ hasDevice: false }, { consent: "push" }] },
    members: ["bob"],
  },
  {
    title: "interests contains shoe (substring of a string, element of an array)",
    rule: { attribute: "attributes.interests", op: "contains", value: "shoe" },
    members: ["eve"],
  },
  {
    title: "interests contains shoes (array element)",
    rule: { attribute: "attributes.interests", op: "contains", value: "shoes" },
    members: ["ana"],
  },
  {
    title: "email contains shop.com (dot escaped)",
    rule: { attribute: "email", op: "contains", value: "shop.com" },
    members: ["ana"],
  },
  {
    title: "age does not exist",
    rule: { attribute: "attributes.age", op: "exists", value: false },
    members: ["dee", "fay"],
  },
  {
    title: "adult under 40 in GOLD or SILVER",
    rule: {
      all: [
        { attribute: "attributes.age", op: "gt", value: 18 },
        { attribute: "attributes.age", op: "lt", value: 40 },
        { attribute: "tier", op: "in", value: ["GOLD", "SILVER"] },
      ],
    },
    members: ["eve"],
  },
  {
    title: "tier nin VIP (missing tier counts)",
    rule: { attribute: "tier", op: "nin", value: ["VIP"] },
    members: ["bob", "dee", "eve", "fay"],
  },
];

describe("matchesRule", () => {
  for (const { title, rule, members } of table) {
    it(title, () => {
      expect(validateRule(rule)).toEqual({ ok: true, rule });
      const actual = names.filter((n) => matchesRule(rule, customers[n], NOW));
      expect(actual).toEqual(members);
    });
  }

  it("resolves time windows against the injected now", () => {
    const rule: Rule = { event: "FULFILL", within: { days: 30 } };
    const later = new Date(NOW.getTime() + 2 * HOUR);
    expect(matchesRule(rule, customers.fay, NOW)).toBe(true);
    expect(matchesRule(rule, customers.fay, later)).toBe(false);
  });
});

describe("validateRule", () => {
  const cases: [unknown, string[]][] = [
    [
      { all: [{ tag: "vip" }, { event: "FULFILL", within: { days: 0 } }] },
      ["all[1].within.days must be a positive integer"],
    ],
    [{ event: "OPEN", notWithin: { hours: 1.5 } }, ["notWithin.hours must be a positive integer"]],
    [{ event: "OPEN", within: { days: 1, hours: 2 } }, ["within must have exactly one of days, hours, minutes"]],
    [
      { any: [{ event: "FULFILL", within: { days: 90 }, count: { gte: 101 } }] },
      ["any[0].count.gte must be an integer from 1 to 100 (only the 100 most recent events are kept)"],
    ],
    [
      { event: "FULFILL", within: { days: 90 }, count: { lte: 100 } },
      ["count.lte must be an integer from 0 to 99 (only the 100 most recent events are kept)"],
    ],
    [
      { not: { attribute: "attributes.$where", op: "eq", value: 1 } },
      [
        "not.attribute must be email, phone, firstName, lastName, tier, timezone or attributes.<key>[.<key>…] (keys may not contain $ or be empty)",
      ],
    ],
    [
      { attribute: "attributes..x", op: "like", value: 1 },
      [
        "attribute must be email, phone, firstName, lastName, tier, timezone or attributes.<key>[.<key>…] (keys may not contain $ or be empty)",
        "op must be one of eq, ne, gt, gte, lt, lte, in, nin, exists, contains",
      ],
    ],
    [{ attribute: "tier", op: "in", value: "VIP" }, ["value must be an array for in"]],
    [{ attribute: "tier", op: "eq" }, ["value is required"]],
    [{ attribute: "attributes.age", op: "exists", value: 1 }, ["value must be true or false for exists"]],
    [{ consent: "fax" }, ["consent must be one of email, push, whatsapp, sms, ads, dataSharing"]],
    [{ hasDevice: "yes" }, ["hasDevice must be true or false"]],
    [{ all: [] }, ["all must hold at least one rule"]],
    [{ tag: "vip", extra: 1 }, ["rule has unknown key(s): extra"]],
    [{ tag: "vip", consent: "email" }, ["rule must have only one of tag, consent"]],
    [{ event: "OPEN" }, ["rule must have within or notWithin"]],
    [[{ tag: "vip" }], ["rule must be an object with one of all, any, not, attribute, tag, consent, hasDevice, event"]],
  ];
  for (const [json, errors] of cases) {
    it(`refuses ${JSON.stringify(json)}`, () => {
      expect(validateRule(json)).toEqual({ ok: false, errors });
    });
  }
});

describe("compileRule", () => {
  const since30 = "2026-01-30T12:00:00.000Z";
  it("maps attributes, tags, consent and devices", () => {
    const rule: Rule = {
      all: [
        { attribute: "tier", op: "eq", value: "VIP" },
        { attribute: "attributes.a.b", op: "gte", value: 3 },
        { tag: "vip" },
        { consent: "whatsapp" },
        { hasDevice: true },
        { not: { hasDevice: false } },
        { attribute: "email", op: "contains", value: "a.b" },
      ],
    };
    expect(compileRule(rule, NOW)).toEqual({
      $and: [
        { "profile.tier": { $eq: "VIP" } },
        { "attributes.a.b": { $gte: 3 } },
        { tags: "vip" },
        { "consent.whatsapp": "GRANTED" },
        { "devices.0": { $exists: true } },
        { $nor: [{ "devices.0": { $exists: false } }] },
        {
          $or: [
            { "profile.email": { $elemMatch: { $eq: "a.b" } } },
            { "profile.email": { $regex: "a\\.b", $not: { $type: "array" } } },
          ],
        },
      ],
    });
  });

  it("compiles event windows and counts", () => {
    expect(compileRule({ event: "FULFILL", within: { days: 30 } }, NOW)).toEqual({
      stats: { $elemMatch: { name: "FULFILL", lastAt: { $gte: since30 } } },
    });
    expect(compileRule({ event: "FULFILL", within: { days: 30 }, count: { gte: 3 } }, NOW)).toEqual({
      stats: { $elemMatch: { name: "FULFILL", "recent.2": { $gte: since30 } } },
    });
    expect(compileRule({ event: "FULFILL", within: { days: 30 }, count: { lte: 2 } }, NOW)).toEqual({
      $nor: [{ stats: { $elemMatch: { name: "FULFILL", "recent.2": { $gte: since30 } } } }],
    });
    expect(compileRule({ event: "FULFILL", within: { minutes: 90 }, count: { eq: 1 } }, NOW)).toEqual({
      $and: [
        { stats: { $elemMatch: { name: "FULFILL", "recent.0": { $gte: "2026-03-01T10:30:00.000Z" } } } },
        { $nor: [{ stats: { $elemMatch: { name: "FULFILL", "recent.1": { $gte: "2026-03-01T10:30:00.000Z" } } } }] },
      ],
    });
    expect(compileRule({ any: [{ event: "OPEN", notWithin: { hours: 12 } }, { tag: "x" }] }, NOW)).toEqual({
      $or: [
        { $nor: [{ stats: { $elemMatch: { name: "OPEN", lastAt: { $gte: "2026-03-01T00:00:00.000Z" } } } }] },
        { tags: "x" },
      ],
    });
  });
});

describe("rulePaths", () => {
  it("lists the document areas a rule reads", () => {
    const rule: Rule = {
      any: [
        {
          all: [
            { attribute: "tier", op: "eq", value: "VIP" },
            { event: "FULFILL", within: { days: 30 } },
          ],
        },
        { not: { event: "OPEN", notWithin: { days: 7 } } },
        { attribute: "attributes.city", op: "eq", value: "Lima" },
        { tag: "vip" },
        { consent: "email" },
        { hasDevice: true },
        { event: "FULFILL", within: { days: 90 }, count: { gte: 3 } },
      ],
    };
    expect(rulePaths(rule)).toEqual([
      "attributes",
      "consent",
      "devices",
      "profile",
      "stats:FULFILL",
      "stats:OPEN",
      "tags",
    ]);
    expect(rulePaths({ tag: "vip" })).toEqual(["tags"]);
  });
});
