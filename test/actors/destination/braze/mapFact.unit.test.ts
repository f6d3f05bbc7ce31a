import { describe, expect, it } from "vitest";
import { applyCommand } from "../../../../actors/customer/applyCommand.ts";
import { type BrazeSyncSettings, type MappingContext, mapFact } from "../../../../actors/destination/braze/mapFact.ts";
import {
  type CustomerFact,
  type CustomerFactDraft,
  completeFact,
  type FactOf,
  INTERNAL_EVENT_NAMES,
  type IngestCommand,
  type ProfileChangedData,
} from "../../../../model/index.ts";

const T0 = "2026-04-01T09:00:00.000Z";
const ALL_ON: BrazeSyncSettings = {
  syncEvents: true,
  syncPurchases: true,
  syncAudiences: true,
  syncTags: true,
  customersCreate: true,
  customersUpdate: true,
  customersDelete: true,
};

function context(settings: Partial<BrazeSyncSettings> = {}, audiences: Record<string, string> = {}): MappingContext {
  return { settings: { ...ALL_ON, ...settings }, audienceName: (id) => audiences[id] };
}

function factOf(draft: CustomerFactDraft, customerId = "c1", factId = "acme:7:0"): CustomerFact {
  return completeFact(draft, { account: "acme", customerId, factId, at: T0, sourceSeq: 7 });
}

const CONSENT: ProfileChangedData["consent"] = {
  email: "GRANTED",
  push: "UNKNOWN",
  whatsapp: "UNKNOWN",
  sms: "UNKNOWN",
  ads: "UNKNOWN",
  dataSharing: "GRANTED",
};

function profileChanged(data: Partial<ProfileChangedData>): FactOf<"customer.profileChanged"> {
  return factOf({
    type: "customer.profileChanged",
    data: {
      profile: { email: "ana@example.com", firstName: "Ana", lastName: "Díaz", phone: "+51999000111", tier: "GOLD" },
      attributes: { city: "Lima", prefs: { color: "red" } },
      consent: CONSENT,
      identified: true,
      created: false,
      changed: [],
      ...data,
    },
  }) as FactOf<"customer.profileChanged">;
}

const origin = { factId: "acme:7:0", seq: 42, part: 0 };

describe("mapFact: customer.profileChanged", () => {
  it("creates the user with every field when customers may be created", () => {
    const fact = profileChanged({
      created: true,
      changed: ["email", "firstName", "lastName", "phone", "tier", "attributes"],
    });
    expect(mapFact(fact, 42, context())).toEqual({
      track: [
        {
          type: "attributes",
          customerId: "c1",
          object: {
            external_id: "c1",
            first_name: "Ana",
            last_name: "Díaz",
            email: "ana@example.com",
            phone: "+51999000111",
            tier: "GOLD",
            city: "Lima",
            prefs: { color: "red" },
          },
          origin,
        },
      ],
      deletions: [],
    });
  });

  it("still creates a user whose profile is empty", () => {
    const fact = profileChanged({ created: true, profile: {}, attributes: {}, changed: [] });
    expect(mapFact(fact, 42, context()).track.map((item) => item.object)).toEqual([{ external_id: "c1" }]);
  });

  it("sends only the fields an update changed", () => {
    const fact = profileChanged({ changed: ["email", "lastName"] });
    expect(mapFact(fact, 42, context()).track.map((item) => item.object)).toEqual([
      { external_id: "c1", email: "ana@example.com", last_name: "Díaz" },
    ]);
  });

  it("sends the custom attributes whole when they changed, and null for a field that is gone", () => {
    const fact = profileChanged({ profile: { email: "ana@example.com" }, changed: ["phone", "attributes"] });
    expect(mapFact(fact, 42, context()).track.map((item) => item.object)).toEqual([
      { external_id: "c1", phone: null, city: "Lima", prefs: { color: "red" } },
    ]);
  });

  it("never sends consent or identified, and skips a change of identified alone", () => {
    const fact = profileChanged({ identified: false, changed: ["identified"] });
    expect(mapFact(fact, 42, context())).toEqual({
      track: [],
      deletions: [],
      skipped: "nothing Braze stores changed (identified)",
    });
  });

  it("resends the whole profile on a consent change (what was held back while denied)", () => {
    const fact = profileChanged({ changed: ["consent"] });
    const [item] = mapFact(fact, 42, context()).track;
    expect(item?.object).toEqual({
      external_id: "c1",
      first_name: "Ana",
      last_name: "Díaz",
      email: "ana@example.com",
      phone: "+51999000111",
      tier: "GOLD",
      city: "Lima",
      prefs: { color: "red" },
    });
    expect(JSON.stringify(item?.object)).not.toMatch(/consent|GRANTED|identified/);
  });

  it("with creation off: skips the creation, sends updates as update-only", () => {
    const settings = { customersCreate: false };
    expect(mapFact(profileChanged({ created: true, changed: ["email"] }), 42, context(settings))).toEqual({
      track: [],
      deletions: [],
      skipped: "customer creation is off",
    });
    expect(mapFact(profileChanged({ changed: ["firstName"] }), 42, context(settings)).track[0]?.object).toEqual({
      external_id: "c1",
      _update_existing_only: true,
      first_name: "Ana",
    });
  });

  it("with updates off: skips updates but still creates", () => {
    const settings = { customersUpdate: false };
    expect(mapFact(profileChanged({ changed: ["email"] }), 42, context(settings)).skipped).toBe(
      "customer updates are off",
    );
    expect(mapFact(profileChanged({ created: true }), 42, context(settings)).track).toHaveLength(1);
  });

  it("renames custom attributes that would set Braze identifiers, mapped fields or ours, and cuts strings", () => {
    const fact = profileChanged({
      changed: ["attributes"],
      attributes: {
        email: "other@example.com",
        external_id: "someone-else",
        masivo_tags: ["x"],
        $set: 1,
        country: "PE",
        note: "n".repeat(300),
        score: { inc: 5, $deep: { $x: 1 } },
      },
    });
    expect(mapFact(fact, 42, context()).track[0]?.object).toEqual({
      external_id: "c1",
      _email: "other@example.com",
      _external_id: "someone-else",
      _masivo_tags: ["x"],
      _$set: 1,
      country: "PE",
      note: "n".repeat(255),
      score: { _inc: 5, _$deep: { _$x: 1 } },
    });
  });
});

describe("mapFact: customer.deleted", () => {
  it("deletes the user when deletion is on, and skips otherwise", () => {
    const fact = factOf({ type: "customer.deleted", data: {} });
    expect(mapFact(fact, 42, context())).toEqual({ track: [], deletions: [{ customerId: "c1", origin }] });
    expect(mapFact(fact, 42, context({ customersDelete: false }))).toEqual({
      track: [],
      deletions: [],
      skipped: "customer deletion is off",
    });
  });
});

function eventRecorded(name: string, properties: Record<string, unknown>, internal = false): CustomerFact {
  return factOf({
    type: "event.recorded",
    data: { eventId: "e-1", name, timestamp: "2026-04-01T04:00:00-05:00", properties, internal },
  });
}

describe("mapFact: event.recorded", () => {
  it("sends a custom event with its time in UTC and properties flattened", () => {
    const fact = eventRecorded("Viewed Product", {
      sku: "A1",
      time: "morning",
      event_name: "x",
      $source: "app",
      product: { id: 7, price: { amount: 10, currency: "PEN" } },
      tags: ["new", "sale"],
      lines: [{ sku: "A", qty: 1 }],
      gone: null,
      title: "t".repeat(300),
    });
    expect(mapFact(fact, 42, context())).toEqual({
      track: [
        {
          type: "events",
          customerId: "c1",
          object: {
            external_id: "c1",
            name: "Viewed Product",
            time: "2026-04-01T09:00:00.000Z",
            properties: {
              sku: "A1",
              _time: "morning",
              _event_name: "x",
              _$source: "app",
              product_id: 7,
              product_price_amount: 10,
              product_price_currency: "PEN",
              tags: ["new", "sale"],
              lines: [{ sku: "A", qty: 1 }],
              title: "t".repeat(255),
            },
          },
          origin,
        },
      ],
      deletions: [],
    });
  });

  it("writes every time as UTC with milliseconds, keeping one already written so", () => {
    const timeOf = (timestamp: string) => {
      const fact = eventRecorded("Opened", {}) as FactOf<"event.recorded">;
      const mapped = mapFact({ ...fact, data: { ...fact.data, timestamp } }, 42, context());
      const object = mapped.track[0]?.object as { time?: string } | undefined;
      return object?.time;
    };
    expect(timeOf("2026-04-01T09:00:00.123Z")).toBe("2026-04-01T09:00:00.123Z");
    expect(timeOf("2026-04-01T09:00:00Z")).toBe("2026-04-01T09:00:00.000Z");
    expect(timeOf("2026-04-01T09:00:00.5Z")).toBe("2026-04-01T09:00:00.500Z");
    expect(timeOf("2026-04-01T10:00:00.000+01:00")).toBe("2026-04-01T09:00:00.000Z");
  });

  it("marks events update-only when customers may not be created", () => {
    const [item] = mapFact(eventRecorded("Opened", {}), 42, context({ customersCreate: false })).track;
    expect(item?.object).toMatchObject({ _update_existing_only: true });
  });

  it.each(INTERNAL_EVENT_NAMES)("never sends the internal event %s", (name) => {
    expect(mapFact(eventRecorded(name, {}, true), 42, context())).toEqual({
      track: [],
      deletions: [],
      skipped: `${name} is an internal event, never sent to Braze`,
    });
    // The name alone is enough, whatever the flag says.
    expect(mapFact(eventRecorded(name, {}, false), 42, context()).track).toEqual([]);
  });

  it("skips events when event sync is off", () => {
    expect(mapFact(eventRecorded("Opened", {}), 42, context({ syncEvents: false })).skipped).toBe("event sync is off");
  });
});

let sequence = 0;
function order(name: "FULFILL" | "REVERSE" | "CANCEL", properties: Record<string, unknown>): IngestCommand {
  return {
    type: "event.track",
    data: { name, properties },
    metadata: { account: "acme", customerId: "c1", commandId: `o-${++sequence}`, acceptedAt: T0 },
  };
}

/** The purchase facts the customer actor itself publishes for these order events. */
function purchaseFacts(...commands: IngestCommand[]): CustomerFact[] {
  let snapshot: ReturnType<typeof applyCommand>["snapshot"];
  const facts: CustomerFact[] = [];
  for (const command of commands) {
    const result = applyCommand(snapshot, command, new Date(T0));
    snapshot = result.snapshot;
    for (const draft of result.facts) if (draft.type === "purchase.recorded") facts.push(factOf(draft));
  }
  return facts;
}

describe("mapFact: purchase.recorded", () => {
  const fulfill = order("FULFILL", {
    orderId: "o-1",
    currency: "PEN",
    items: [
      { sku: "A", price: 10, quantity: 2 },
      { sku: "B", name: "Bag", price: 30, quantity: 1 },
    ],
  });
  const purchase = (product_id: string, price: number, quantity: number, extra: Record<string, string> = {}) => ({
    external_id: "c1",
    product_id,
    currency: "PEN",
    price,
    quantity,
    time: T0,
    properties: { order_id: "o-1", ...extra },
  });

  it("sends a FULFILL as one purchase per line, then a partial REVERSE as exactly the items undone, negated", () => {
    const [bought, reversed] = purchaseFacts(
      fulfill,
      order("REVERSE", { orderId: "o-1", items: [{ sku: "A", quantity: 1 }] }),
    );
    if (!bought || !reversed) throw new Error("expected two purchase facts");
    const boughtItems = mapFact(bought, 10, context()).track;
    expect(boughtItems.map((item) => item.object)).toEqual([
      purchase("A", 10, 2),
      purchase("B", 30, 1, { name: "Bag" }),
    ]);
    expect(boughtItems.map((item) => item.origin.part)).toEqual([0, 1]);
    expect(mapFact(reversed, 11, context()).track.map((item) => item.object)).toEqual([purchase("A", -10, 1)]);
  });

  it("sends a CANCEL as every item not yet undone, negated", () => {
    const [, , cancelled] = purchaseFacts(
      fulfill,
      order("REVERSE", { orderId: "o-1", items: [{ sku: "A", quantity: 1 }] }),
      order("CANCEL", { orderId: "o-1" }),
    );
    if (!cancelled) throw new Error("expected a cancel fact");
    expect(mapFact(cancelled, 12, context()).track.map((item) => item.object)).toEqual([
      purchase("A", -10, 1),
      purchase("B", -30, 1, { name: "Bag" }),
    ]);
  });

  it("sends nothing for an order never fulfilled", () => {
    expect(purchaseFacts(order("CANCEL", { orderId: "o-9" }))).toEqual([]);
  });

  it("splits a quantity of 250 into 100, 100 and 50, the same way when reversed", () => {
    const [bought, reversed] = purchaseFacts(
      order("FULFILL", { orderId: "o-1", currency: "PEN", items: [{ sku: "A", price: 2.5, quantity: 250 }] }),
      order("REVERSE", { orderId: "o-1" }),
    );
    if (!bought || !reversed) throw new Error("expected two purchase facts");
    const bulk = mapFact(bought, 10, context()).track;
    expect(bulk.map((item) => item.object)).toEqual([
      purchase("A", 2.5, 100),
      purchase("A", 2.5, 100),
      purchase("A", 2.5, 50),
    ]);
    expect(bulk.map((item) => item.origin)).toEqual([0, 1, 2].map((part) => ({ factId: "acme:7:0", seq: 10, part })));
    expect(mapFact(reversed, 11, context()).track.map((item) => item.object)).toEqual([
      purchase("A", -2.5, 100),
      purchase("A", -2.5, 100),
      purchase("A", -2.5, 50),
    ]);
  });

  it("skips purchases when purchase sync is off", () => {
    const [bought] = purchaseFacts(fulfill);
    if (!bought) throw new Error("expected a purchase fact");
    expect(mapFact(bought, 10, context({ syncPurchases: false })).skipped).toBe("purchase sync is off");
  });
});

describe("mapFact: audiences and tags", () => {
  const membership = (change: "ENTERED" | "EXITED", audienceId = "aud-1") =>
    factOf({ type: "membership.changed", data: { audienceId, change, at: T0 } });
  const audiences = { "aud-1": "vip" };

  it("sets masivo_<audience> true on entering and false on leaving", () => {
    expect(mapFact(membership("ENTERED"), 42, context({}, audiences))).toEqual({
      track: [{ type: "attributes", customerId: "c1", object: { external_id: "c1", masivo_vip: true }, origin }],
      deletions: [],
    });
    expect(mapFact(membership("EXITED"), 42, context({}, audiences)).track[0]?.object).toEqual({
      external_id: "c1",
      masivo_vip: false,
    });
  });

  it("skips an unknown audience, and everything when audience sync is off", () => {
    expect(mapFact(membership("ENTERED", "aud-2"), 42, context({}, audiences)).skipped).toBe("unknown audience aud-2");
    expect(mapFact(membership("ENTERED"), 42, context({ syncAudiences: false }, audiences)).skipped).toBe(
      "audience sync is off",
    );
  });

  it("unsets the attribute for a deleted audience's exits, never creating users, by the name the fact carries", () => {
    const exit = factOf({
      type: "membership.changed",
      data: { audienceId: "aud-9", audienceName: "gone", change: "EXITED", at: T0, audienceDeleted: true },
    });
    expect(mapFact(exit, 42, context({}, {})).track[0]?.object).toEqual({
      external_id: "c1",
      _update_existing_only: true,
      masivo_gone: null,
    });
  });

  it("moves a renamed audience's attribute: null under the old name, the membership under the new one", () => {
    const renamed = (member: boolean, previousName: string, audienceName: string) =>
      factOf({
        type: "membership.renamed",
        data: { audienceId: "aud-1", previousName, audienceName, member, runId: "run-r" },
      });
    expect(mapFact(renamed(true, "vip", "VIP Customers"), 42, context({ customersCreate: false }, audiences))).toEqual({
      track: [
        {
          type: "attributes",
          customerId: "c1",
          object: { external_id: "c1", _update_existing_only: true, masivo_vip: null, "masivo_VIP Customers": true },
          origin,
        },
      ],
      deletions: [],
    });
    // Unicode letters, punctuation and 100 characters come through whole: 107 is within Braze's 255.
    const long = `${"Ü".repeat(99)}!`;
    expect(mapFact(renamed(false, "Clientes VIP: año 2026", long), 42, context()).track[0]?.object).toEqual({
      external_id: "c1",
      _update_existing_only: true,
      "masivo_Clientes VIP: año 2026": null,
      [`masivo_${long}`]: false,
    });
    expect(mapFact(renamed(true, "a", "b"), 42, context({ syncAudiences: false })).skipped).toBe(
      "audience sync is off",
    );
  });

  it("replaces masivo_tags with the full set, an empty one included", () => {
    const tags = (list: string[]) => factOf({ type: "tags.changed", data: { tags: list } });
    expect(mapFact(tags(["gold", "promo"]), 42, context()).track[0]?.object).toEqual({
      external_id: "c1",
      masivo_tags: ["gold", "promo"],
    });
    expect(mapFact(tags([]), 42, context()).track[0]?.object).toEqual({ external_id: "c1", masivo_tags: [] });
    expect(mapFact(tags(["x"]), 42, context({ syncTags: false })).skipped).toBe("tag sync is off");
  });
});

describe("mapFact: facts Braze does not get", () => {
  it.each<CustomerFactDraft>([
    { type: "device.registered", data: { token: "t", platform: "IOS" } },
    { type: "device.unregistered", data: { token: "t" } },
    { type: "membership.unchanged", data: { audienceId: "aud-1", runId: "r", member: true } },
  ])("maps $type to nothing", (draft) => {
    expect(mapFact(factOf(draft), 42, context())).toEqual({
      track: [],
      deletions: [],
      skipped: `${draft.type} is not synced to Braze`,
    });
  });
});
