/**
 * One compiled filter, two engines: for a table of rules and customers, the database (recalculation)
 * must select exactly the customers that mingo (real time, `matchesRule`) says are members — and
 * both must agree with the answer written here by hand, so a mistake shared by both still fails.
 * Event rules have a table of their own: see `eventTable` for why FerretDB v1 cannot run them.
 */

import type { Collection } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CustomerState, Device, EventStat } from "../../model/index.ts";
import type { Rule } from "../../rules/index.ts";
import { compileRule, matchesRule, validateRule } from "../../rules/index.ts";
import {
  CUSTOMERS_COLLECTION,
  type CustomerDocument,
  connectStore,
  customerKey,
  type LiveCustomerDocument,
  type Store,
} from "../../store/index.ts";
import { storedCustomer } from "../support/storedCustomer.ts";
import { isolatedMongoUrl, uniqueId } from "../support/world.ts";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

/** An event stat whose occurrences happened `ages` ms before NOW; `recent` newest first, at most 100. */
function stat(name: string, ages: number[]): EventStat {
  const all = ages.map(ago).sort().reverse();
  const recent = all.slice(0, 100);
  return { name, count: all.length, firstAt: all.at(-1) ?? "", lastAt: all[0] ?? "", daily: {}, recent };
}

function device(token: string, platform: Device["platform"]): Device {
  return { token, platform, registeredAt: "2026-01-01T00:00:00.000Z" };
}

const account = uniqueId("acct");

function customer(
  customerId: string,
  parts: Partial<Pick<CustomerState, "profile" | "attributes" | "tags" | "devices" | "stats">> & {
    consent?: Partial<CustomerState["consent"]>;
  },
  owner = account,
): LiveCustomerDocument {
  const fresh = storedCustomer(owner, customerId, {}, "2026-01-01T00:00:00.000Z") as LiveCustomerDocument;
  return {
    ...fresh,
    ...parts,
    consent: { ...fresh.consent, ...parts.consent },
    stats: [...(parts.stats ?? [])].sort((x, y) => x.name.localeCompare(y.name)),
  };
}

const customers = [
  customer("ana", {
    profile: { email: "ana@shop.com", firstName: "Ana", lastName: "Pérez", tier: "VIP" },
    attributes: {
      city: "Lima",
      age: 34,
      interests: ["shoes", "bags"],
      loyalty: { points: 1250, level: "gold" },
      scores: [3, 7, 12],
      items: [
        { sku: "A1", qty: 2 },
        { sku: "B2", qty: 1 },
      ],
    },
    tags: ["newsletter", "vip"],
    consent: { email: "GRANTED", push: "DENIED" },
    devices: [device("a1", "IOS")],
    stats: [stat("FULFILL", [1 * DAY, 5 * DAY, 20 * DAY]), stat("OPEN", [40 * DAY])],
  }),
  customer("bob", {
    profile: { email: "bob@shopxcom.net", phone: "+51999000111", tier: "GOLD" },
    attributes: {
      city: "Cusco",
      age: 17,
      interests: ["games"],
      loyalty: { points: 80, level: "basic" },
      items: [{ sku: "B2", qty: 5 }],
    },
    tags: ["newsletter"],
    consent: { email: "DENIED", push: "GRANTED" },
    stats: [stat("FULFILL", [45 * DAY]), stat("OPEN", [2 * HOUR])],
  }),
  customer("cho", {
    profile: { email: "cho@example.org", tier: "VIP" },
    attributes: { city: "Lima", age: 51, nickname: "Chocolate", scores: [50] },
    devices: [device("c1", "ANDROID"), device("c2", "WEB")],
    stats: [stat("FULFILL", [2 * DAY, 3 * DAY]), stat("VIEW", [10 * MINUTE, 30 * MINUTE, 3 * HOUR])],
  }),
  customer("dee", { tags: ["vip"], consent: { email: "GRANTED" } }),
  customer("eve", {
    profile: { firstName: "Eve", tier: "SILVER" },
    attributes: { age: 25, interests: "shoelace", vip: true },
    tags: ["newsletter", "vip"],
    consent: { sms: "GRANTED", whatsapp: "GRANTED" },
    devices: [device("e1", "WEB")],
    stats: [stat("FULFILL", [1 * DAY, 2 * DAY, 3 * DAY, 4 * DAY, 5 * DAY]), stat("OPEN", [3 * DAY])],
  }),
  customer("fay", {
    profile: { tier: "GOLD" },
    attributes: { city: "lima", loyalty: { points: 300 } },
    consent: { push: "GRANTED" },
    devices: [device("f1", "IOS")],
    stats: [stat("FULFILL", [29 * DAY + 23 * HOUR, 35 * DAY, 60 * DAY])],
  }),
  customer("gus", {
    profile: { lastName: "Gómez", tier: "BRONZE" },
    attributes: { city: "Arequipa", age: "34", interests: [] },
    tags: ["beta"],
    consent: { ads: "GRANTED", dataSharing: "GRANTED" },
    stats: [stat("CLICK", [1 * HOUR, 2 * HOUR]), stat("VIEW", [5 * MINUTE])],
  }),
  customer("hal", {
    profile: { email: "hal@shop.com" },
    attributes: { city: null, age: null },
    consent: { email: "GRANTED", push: "GRANTED" },
    devices: [device("h1", "ANDROID")],
    stats: [stat("OPEN", [10 * DAY])],
  }),
  customer("ivy", {
    profile: { tier: "VIP" },
    attributes: { age: 34.5, interests: ["shoe", "Shoes"], scores: [2, 12] },
    tags: ["beta", "newsletter"],
    // 120 opens, one every 10 minutes from a minute ago: only the newest 100 are in `recent`.
    stats: [
      stat(
        "OPEN",
        Array.from({ length: 120 }, (_, i) => MINUTE + i * 10 * MINUTE),
      ),
    ],
  }),
  customer("jon", {
    profile: { email: "JON@SHOP.COM", tier: "GOLD" },
    attributes: { loyalty: { points: 1250.5 }, scores: [12], nickname: "jon" },
    tags: ["vip"],
    devices: [device("j1", "IOS")],
    // Exactly 30 days ago: on the boundary of a 30-day window, which includes it.
    stats: [stat("FULFILL", [30 * DAY]), stat("promo.clicked$", [1 * HOUR])],
  }),
  customer("kim", {
    profile: { firstName: "Kim", tier: "silver" },
    attributes: { city: "Lima", age: 40, interests: ["games", "shoes"] },
    consent: {
      email: "GRANTED",
      push: "GRANTED",
      whatsapp: "GRANTED",
      sms: "GRANTED",
      ads: "GRANTED",
      dataSharing: "GRANTED",
    },
    devices: [device("k1", "WEB"), device("k2", "IOS")],
    stats: [stat("FULFILL", [6 * DAY, 8 * DAY]), stat("VIEW", [2 * DAY])],
  }),
  customer("lea", {
    attributes: { age: 0, scores: [1, 2], flags: { beta: false } },
    stats: [stat("CLICK", [100 * DAY])],
  }),
];
type Name = "ana" | "bob" | "cho" | "dee" | "eve" | "fay" | "gus" | "hal" | "ivy" | "jon" | "kim" | "lea";
const names = customers.map((c) => c.customerId) as Name[];
const everyone = (...except: Name[]) => names.filter((n) => !except.includes(n));

/** Documents the query must never return: another account's customer and a tombstone; both match everything. */
const ana = customers[0] as LiveCustomerDocument;
const outsiders: CustomerDocument[] = [
  { ...structuredClone(ana), _id: customerKey("someoneelse", "ana"), account: "someoneelse" },
  {
    _id: customerKey(account, "zed"),
    version: 2,
    lastSeq: 2,
    deleted: true,
    account,
    customerId: "zed",
    deletedAt: "2026-02-01T00:00:00.000Z",
  },
];

const table: { title: string; rule: Rule; members: Name[] }[] = [
  // Profile and attribute comparisons.
  { title: "tier eq VIP", rule: { attribute: "tier", op: "eq", value: "VIP" }, members: ["ana", "cho", "ivy"] },
  {
    title: "tier ne VIP (missing tier counts)",
    rule: { attribute: "tier", op: "ne", value: "VIP" },
    members: everyone("ana", "cho", "ivy"),
  },
  {
    title: "age gt 30 (numbers only, not the string '34')",
    rule: { attribute: "attributes.age", op: "gt", value: 30 },
    members: ["ana", "cho", "ivy", "kim"],
  },
  {
    title: "age gte 34",
    rule: { attribute: "attributes.age", op: "gte", value: 34 },
    members: ["ana", "cho", "ivy", "kim"],
  },
  {
    title: "age lt 25 (null and missing do not count)",
    rule: { attribute: "attributes.age", op: "lt", value: 25 },
    members: ["bob", "lea"],
  },
  { title: "age lte 25", rule: { attribute: "attributes.age", op: "lte", value: 25 }, members: ["bob", "eve", "lea"] },
  {
    title: "lastName gt 'A' (strings compare as strings)",
    rule: { attribute: "lastName", op: "gt", value: "A" },
    members: ["ana", "gus"],
  },
  { title: "firstName lt 'F'", rule: { attribute: "firstName", op: "lt", value: "F" }, members: ["ana", "eve"] },
  {
    title: "tier in GOLD, SILVER (case-sensitive)",
    rule: { attribute: "tier", op: "in", value: ["GOLD", "SILVER"] },
    members: ["bob", "eve", "fay", "jon"],
  },
  {
    title: "age in 17, 25, '34' (types kept apart)",
    rule: { attribute: "attributes.age", op: "in", value: [17, 25, "34"] },
    members: ["bob", "eve", "gus"],
  },
  {
    title: "tier nin VIP, GOLD (missing tier counts)",
    rule: { attribute: "tier", op: "nin", value: ["VIP", "GOLD"] },
    members: ["dee", "eve", "gus", "hal", "kim", "lea"],
  },
  {
    title: "age nin 34, 34.5",
    rule: { attribute: "attributes.age", op: "nin", value: [34, 34.5] },
    members: everyone("ana", "ivy"),
  },
  {
    title: "city exists (null counts as present)",
    rule: { attribute: "attributes.city", op: "exists", value: true },
    members: ["ana", "bob", "cho", "fay", "gus", "hal", "kim"],
  },
  {
    title: "city does not exist",
    rule: { attribute: "attributes.city", op: "exists", value: false },
    members: ["dee", "eve", "ivy", "jon", "lea"],
  },
  { title: "phone exists", rule: { attribute: "phone", op: "exists", value: true }, members: ["bob"] },
  {
    title: "nested number gte (int and double)",
    rule: { attribute: "attributes.loyalty.points", op: "gte", value: 1250 },
    members: ["ana", "jon"],
  },
  {
    title: "nested string eq",
    rule: { attribute: "attributes.loyalty.level", op: "eq", value: "gold" },
    members: ["ana"],
  },
  {
    title: "nested boolean eq false",
    rule: { attribute: "attributes.flags.beta", op: "eq", value: false },
    members: ["lea"],
  },
  { title: "boolean eq true", rule: { attribute: "attributes.vip", op: "eq", value: true }, members: ["eve"] },
  {
    title: "eq a scalar on an array field (any element)",
    rule: { attribute: "attributes.interests", op: "eq", value: "games" },
    members: ["bob", "kim"],
  },
  {
    title: "eq a whole array",
    rule: { attribute: "attributes.interests", op: "eq", value: ["games"] },
    members: ["bob"],
  },
  {
    title: "gt on an array field (any element)",
    rule: { attribute: "attributes.scores", op: "gt", value: 10 },
    members: ["ana", "cho", "ivy", "jon"],
  },
  {
    title: "ne on an array field (no element equal)",
    rule: { attribute: "attributes.scores", op: "ne", value: 12 },
    members: everyone("ana", "ivy", "jon"),
  },
  {
    title: "eq a whole object",
    rule: { attribute: "attributes.loyalty", op: "eq", value: { points: 80, level: "basic" } },
    members: ["bob"],
  },
  {
    title: "eq null (null and missing)",
    rule: { attribute: "attributes.city", op: "eq", value: null },
    members: ["dee", "eve", "hal", "ivy", "jon", "lea"],
  },
  {
    title: "in with null (null and missing)",
    rule: { attribute: "tier", op: "in", value: ["VIP", null] },
    members: ["ana", "cho", "dee", "hal", "ivy", "lea"],
  },
  {
    title: "path through an array of objects: eq",
    rule: { attribute: "attributes.items.sku", op: "eq", value: "B2" },
    members: ["ana", "bob"],
  },
  {
    title: "path through an array of objects: gt",
    rule: { attribute: "attributes.items.qty", op: "gt", value: 3 },
    members: ["bob"],
  },
  {
    title: "path through an array of objects: exists",
    rule: { attribute: "attributes.items.sku", op: "exists", value: true },
    members: ["ana", "bob"],
  },
  {
    title: "path through an array of objects: contains",
    rule: { attribute: "attributes.items.sku", op: "contains", value: "A1" },
    members: ["ana"],
  },
  { title: "attribute nobody has: eq", rule: { attribute: "attributes.nope", op: "eq", value: "x" }, members: [] },
  { title: "attribute nobody has: ne", rule: { attribute: "attributes.nope", op: "ne", value: "x" }, members: names },
  // contains: an array element, or a substring of a string.
  {
    title: "interests contains 'shoe' (substring of a string, element of an array)",
    rule: { attribute: "attributes.interests", op: "contains", value: "shoe" },
    members: ["eve", "ivy"],
  },
  {
    title: "interests contains 'shoes' (array element, case-sensitive)",
    rule: { attribute: "attributes.interests", op: "contains", value: "shoes" },
    members: ["ana", "kim"],
  },
  {
    title: "email contains 'shop.com' (dot escaped, case-sensitive)",
    rule: { attribute: "email", op: "contains", value: "shop.com" },
    members: ["ana", "hal"],
  },
  {
    title: "nickname contains 'Choc'",
    rule: { attribute: "attributes.nickname", op: "contains", value: "Choc" },
    members: ["cho"],
  },
  {
    title: "scores contains 12 (number element)",
    rule: { attribute: "attributes.scores", op: "contains", value: 12 },
    members: ["ana", "ivy", "jon"],
  },
  // Tags, consent, devices.
  { title: "tag vip", rule: { tag: "vip" }, members: ["ana", "dee", "eve", "jon"] },
  {
    title: "not tag newsletter",
    rule: { not: { tag: "newsletter" } },
    members: ["cho", "dee", "fay", "gus", "hal", "jon", "kim", "lea"],
  },
  { title: "consent email (GRANTED only)", rule: { consent: "email" }, members: ["ana", "dee", "hal", "kim"] },
  { title: "consent dataSharing", rule: { consent: "dataSharing" }, members: ["gus", "kim"] },
  {
    title: "hasDevice true",
    rule: { hasDevice: true },
    members: ["ana", "cho", "eve", "fay", "hal", "jon", "kim"],
  },
  { title: "hasDevice false", rule: { hasDevice: false }, members: ["bob", "dee", "gus", "ivy", "lea"] },
  // Nesting.
  {
    title: "all: vip tag and email consent",
    rule: { all: [{ tag: "vip" }, { consent: "email" }] },
    members: ["ana", "dee"],
  },
  {
    title: "any: city Lima or age >= 50",
    rule: {
      any: [
        { attribute: "attributes.city", op: "eq", value: "Lima" },
        { attribute: "attributes.age", op: "gte", value: 50 },
      ],
    },
    members: ["ana", "cho", "kim"],
  },
  {
    title: "not any: neither a device nor the newsletter",
    rule: { not: { any: [{ hasDevice: true }, { tag: "newsletter" }] } },
    members: ["dee", "gus", "lea"],
  },
  {
    title: "all of not-exists and any",
    rule: {
      all: [
        { not: { attribute: "attributes.age", op: "exists", value: true } },
        { any: [{ tag: "vip" }, { consent: "push" }] },
      ],
    },
    members: ["dee", "fay", "jon"],
  },
];

/**
 * Event rules, kept apart because FerretDB v1 (the test and CI store) cannot run them. compileRule
 * ties an event's name to the same stat's `lastAt` or `recent.<k-1>` with
 * `{ stats: { $elemMatch: { name, … } } }`; FerretDB v1.24 refuses an `$elemMatch` of more than one
 * field ("unknown operator: name"), and with one field it does not test the elements one by one
 * (FerretDB issues #2964 and #2262; `filterFieldExprElemMatch` in internal/handler/common/filter.go).
 * Its `$expr` knows only `$type` and `$sum`, so no filter it accepts can correlate two fields of one
 * element of an array of any length. These rules are checked in memory against the answers written
 * here, and in the store when it is MongoDB; on FerretDB the test pins the refusal, so it fails (and
 * these cases belong in `table`) once the store can answer them.
 */
const eventTable: { title: string; rule: Rule; members: Name[] }[] = [
  {
    title: "FULFILL within 30 days (boundary inclusive)",
    rule: { event: "FULFILL", within: { days: 30 } },
    members: ["ana", "cho", "eve", "fay", "jon", "kim"],
  },
  { title: "VIEW within 1 hour", rule: { event: "VIEW", within: { hours: 1 } }, members: ["cho", "gus"] },
  { title: "VIEW within 7 minutes", rule: { event: "VIEW", within: { minutes: 7 } }, members: ["gus"] },
  {
    title: "event name with . and $",
    rule: { event: "promo.clicked$", within: { hours: 2 } },
    members: ["jon"],
  },
  {
    title: "FULFILL at least 3 times in 30 days",
    rule: { event: "FULFILL", within: { days: 30 }, count: { gte: 3 } },
    members: ["ana", "eve"],
  },
  {
    title: "OPEN at least 5 times in 1 hour",
    rule: { event: "OPEN", within: { hours: 1 }, count: { gte: 5 } },
    members: ["ivy"],
  },
  {
    title: "OPEN at least 5 times in 30 minutes",
    rule: { event: "OPEN", within: { minutes: 30 }, count: { gte: 5 } },
    members: [],
  },
  {
    title: "OPEN at least 100 times in 1 day (the last kept timestamp)",
    rule: { event: "OPEN", within: { days: 1 }, count: { gte: 100 } },
    members: ["ivy"],
  },
  {
    title: "FULFILL exactly twice in 7 days",
    rule: { event: "FULFILL", within: { days: 7 }, count: { eq: 2 } },
    members: ["ana", "cho"],
  },
  {
    title: "FULFILL at most once in 30 days (never counts)",
    rule: { event: "FULFILL", within: { days: 30 }, count: { lte: 1 } },
    members: ["bob", "dee", "fay", "gus", "hal", "ivy", "jon", "lea"],
  },
  {
    title: "CLICK at most 0 times in 1 day",
    rule: { event: "CLICK", within: { days: 1 }, count: { lte: 0 } },
    members: everyone("gus"),
  },
  {
    title: "no OPEN in 7 days",
    rule: { event: "OPEN", notWithin: { days: 7 } },
    members: ["ana", "cho", "dee", "fay", "gus", "hal", "jon", "kim", "lea"],
  },
  {
    title: "bought twice in 30 days and not opened in 7",
    rule: {
      all: [
        { event: "FULFILL", within: { days: 30 }, count: { gte: 2 } },
        { not: { event: "OPEN", within: { days: 7 } } },
      ],
    },
    members: ["ana", "cho", "kim"],
  },
  {
    title: "not of a count and a contains",
    rule: {
      not: {
        any: [
          { event: "FULFILL", within: { days: 30 }, count: { eq: 1 } },
          { attribute: "attributes.interests", op: "contains", value: "shoe" },
        ],
      },
    },
    members: everyone("fay", "jon", "eve", "ivy"),
  },
];

let store: Store;
let collection: Collection<CustomerDocument>;
beforeAll(async () => {
  store = await connectStore(isolatedMongoUrl(uniqueId("db")));
  collection = store.db.collection<CustomerDocument>(CUSTOMERS_COLLECTION);
  await collection.insertMany(structuredClone([...customers, ...outsiders]));
});
afterAll(async () => {
  await store?.close();
});

/** Members as recalculation finds them: the query `actors/audience/carryOutRun.ts` runs. */
async function inStore(rule: Rule): Promise<Name[]> {
  const found = await collection
    .find({ $and: [{ account }, { deleted: false }, compileRule(rule, NOW)] }, { projection: { customerId: 1 } })
    .toArray();
  return found.map((d) => d.customerId as Name).sort();
}

/** Members as real time finds them: mingo over the same documents. */
function inMemory(rule: Rule): Name[] {
  return customers.filter((c) => matchesRule(rule, c, NOW)).map((c) => c.customerId as Name);
}

describe("a compiled rule gives the same members in the store and in memory", () => {
  it("stored every customer", async () => {
    expect(await collection.countDocuments({ account, deleted: false })).toBe(customers.length);
  });

  for (const { title, rule, members } of table) {
    it(title, async () => {
      expect(validateRule(rule)).toEqual({ ok: true, rule });
      const memory = inMemory(rule);
      const database = await inStore(rule);
      expect({ memory, database }).toEqual({ memory: members, database: members });
    });
  }
});

describe("an event rule gives the hand-written members in memory, and in the store when it is MongoDB", () => {
  for (const { title, rule, members } of eventTable) {
    it(title, async () => {
      expect(validateRule(rule)).toEqual({ ok: true, rule });
      expect(inMemory(rule)).toEqual(members);
      if (store.isFerretDB) {
        // The known gap described on `eventTable`: recalculating an event rule fails on FerretDB v1.
        await expect(inStore(rule)).rejects.toThrow("unknown operator: name");
      } else {
        expect(await inStore(rule)).toEqual(members);
      }
    });
  }
});
