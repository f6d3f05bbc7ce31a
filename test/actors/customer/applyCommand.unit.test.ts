import { describe, expect, it } from "vitest";
import { type ApplyResult, applyCommand, type PersistedCustomer } from "../../../actors/customer/applyCommand.ts";
import type { IngestCommand, IngestCommandType } from "../../../model/index.ts";

const T0 = "2026-03-01T12:00:00.000Z";
/** `n` minutes after T0, as the injected clock. */
const at = (n: number) => new Date(Date.parse(T0) + n * 60_000);
const iso = (n: number) => at(n).toISOString();

type Data<T extends IngestCommandType> = Extract<IngestCommand, { type: T }>["data"];
let sequence = 0;
function command<T extends IngestCommandType>(
  type: T,
  data: Data<T>,
  options: { id?: string; customerId?: string } = {},
): IngestCommand {
  const metadata = {
    account: "acme",
    customerId: options.customerId ?? "c1",
    commandId: options.id ?? `cmd-${++sequence}`,
    acceptedAt: T0,
  };
  return { type, data, metadata } as IngestCommand;
}

/** Applies commands in order from nothing; returns the last result. */
function given(...steps: [IngestCommand, Date][]): ApplyResult {
  let result: ApplyResult = { snapshot: undefined, facts: [], state: undefined, notes: [] };
  for (const [cmd, now] of steps) result = applyCommand(result.snapshot, cmd, now);
  return result;
}

const UNKNOWN_CONSENT = {
  email: "UNKNOWN",
  push: "UNKNOWN",
  whatsapp: "UNKNOWN",
  sms: "UNKNOWN",
  ads: "UNKNOWN",
  dataSharing: "UNKNOWN",
} as const;

describe("applyCommand: a customer's life", () => {
  it("gives exactly the right facts and state for upserts, events, orders, devices, consent and delete", () => {
    const attributes = { address: { city: "Lima", zip: "15001" }, vip: false };
    const scarf = { sku: "A", name: "Alpaca scarf", price: 10 };
    let snapshot: PersistedCustomer | undefined;
    const when = (cmd: IngestCommand, now: Date) => {
      const result = applyCommand(snapshot, cmd, now);
      snapshot = result.snapshot;
      expect(result.notes).toEqual([]);
      return result.facts;
    };

    expect(
      when(
        command("customer.upsert", {
          email: "ana@example.com",
          firstName: "Ana",
          attributes,
          tags: ["vip", "new", "vip"],
          consent: { email: "GRANTED" },
        }),
        at(0),
      ),
    ).toEqual([
      {
        type: "customer.profileChanged",
        data: {
          profile: { email: "ana@example.com", firstName: "Ana" },
          attributes,
          consent: { ...UNKNOWN_CONSENT, email: "GRANTED" },
          identified: true,
          created: true,
          changed: ["email", "firstName", "attributes", "consent"],
        },
      },
      { type: "tags.changed", data: { tags: ["new", "vip"] } },
      {
        type: "event.recorded",
        data: { eventId: "registration", name: "REGISTRATION", timestamp: iso(0), properties: {}, internal: true },
      },
    ]);

    expect(
      when(
        command("event.track", { name: "product.viewed", timestamp: iso(-60), properties: { sku: "A" } }, { id: "e1" }),
        at(1),
      ),
    ).toEqual([
      {
        type: "event.recorded",
        data: { eventId: "e1", name: "product.viewed", timestamp: iso(-60), properties: { sku: "A" }, internal: false },
      },
    ]);

    // No timestamp: the event happened when it was accepted (T0).
    const order = {
      orderId: "o-1",
      currency: "USD",
      items: [
        { ...scarf, quantity: 2 },
        { sku: "B", price: 5, quantity: 1 },
      ],
    };
    expect(when(command("event.track", { name: "FULFILL", properties: order }, { id: "e2" }), at(2))).toEqual([
      {
        type: "event.recorded",
        data: { eventId: "e2", name: "FULFILL", timestamp: T0, properties: order, internal: true },
      },
      {
        type: "purchase.recorded",
        data: { orderId: "o-1", currency: "USD", sign: 1, cause: "FULFILL", items: order.items, timestamp: T0 },
      },
    ]);

    const reverse = { orderId: "o-1", items: [{ sku: "A", quantity: 1 }] };
    expect(
      when(command("event.track", { name: "REVERSE", timestamp: iso(3), properties: reverse }, { id: "e3" }), at(3)),
    ).toEqual([
      {
        type: "event.recorded",
        data: { eventId: "e3", name: "REVERSE", timestamp: iso(3), properties: reverse, internal: true },
      },
      {
        type: "purchase.recorded",
        data: {
          orderId: "o-1",
          currency: "USD",
          sign: -1,
          cause: "REVERSE",
          items: [{ ...scarf, quantity: 1 }],
          timestamp: iso(3),
        },
      },
    ]);

    expect(
      when(
        command("event.track", { name: "CANCEL", timestamp: iso(4), properties: { orderId: "o-1" } }, { id: "e4" }),
        at(4),
      ),
    ).toEqual([
      {
        type: "event.recorded",
        data: { eventId: "e4", name: "CANCEL", timestamp: iso(4), properties: { orderId: "o-1" }, internal: true },
      },
      {
        type: "purchase.recorded",
        data: {
          orderId: "o-1",
          currency: "USD",
          sign: -1,
          cause: "CANCEL",
          items: [
            { ...scarf, quantity: 1 },
            { sku: "B", price: 5, quantity: 1 },
          ],
          timestamp: iso(4),
        },
      },
    ]);

    expect(when(command("device.register", { token: "tok-1", platform: "IOS", appId: "app.masivo" }), at(5))).toEqual([
      { type: "device.registered", data: { token: "tok-1", platform: "IOS", appId: "app.masivo" } },
    ]);
    expect(when(command("consent.set", { push: "GRANTED", email: "DENIED" }), at(6))).toEqual([
      {
        type: "customer.profileChanged",
        data: {
          profile: { email: "ana@example.com", firstName: "Ana" },
          attributes,
          consent: { ...UNKNOWN_CONSENT, email: "DENIED", push: "GRANTED" },
          identified: true,
          created: false,
          changed: ["consent"],
        },
      },
    ]);
    expect(when(command("device.register", { token: "tok-2", platform: "ANDROID" }), at(7))).toEqual([
      { type: "device.registered", data: { token: "tok-2", platform: "ANDROID" } },
    ]);
    expect(when(command("device.unregister", { token: "tok-1" }), at(8))).toEqual([
      { type: "device.unregistered", data: { token: "tok-1" } },
    ]);

    const stat = (name: string, timestamp: string) => ({
      name,
      count: 1,
      firstAt: timestamp,
      lastAt: timestamp,
      daily: { "2026-03-01": 1 },
      recent: [timestamp],
    });
    expect(snapshot).toStrictEqual({
      schemaVersion: 1,
      value: "active",
      context: {
        account: "acme",
        customerId: "c1",
        identified: true,
        createdAt: iso(0),
        updatedAt: iso(8),
        profile: { email: "ana@example.com", firstName: "Ana" },
        attributes,
        tags: ["new", "vip"],
        consent: { ...UNKNOWN_CONSENT, email: "DENIED", push: "GRANTED" },
        devices: [{ token: "tok-2", platform: "ANDROID", registeredAt: iso(7) }],
        stats: [
          stat("CANCEL", iso(4)),
          stat("FULFILL", T0),
          stat("REGISTRATION", iso(0)),
          stat("REVERSE", iso(3)),
          stat("product.viewed", iso(-60)),
        ],
        orders: [
          {
            orderId: "o-1",
            currency: "USD",
            fulfilledAt: T0,
            lines: [
              { ...scarf, quantity: 2, undone: 2 },
              { sku: "B", price: 5, quantity: 1, undone: 1 },
            ],
          },
        ],
        recentEventIds: ["e1", "e2", "e3", "e4"],
        memberships: [],
      },
    });

    const deleted = applyCommand(snapshot, command("customer.delete", {}), at(9));
    expect(deleted).toEqual({
      snapshot: undefined,
      state: undefined,
      facts: [{ type: "customer.deleted", data: {} }],
      notes: [],
    });
  });
});

describe("applyCommand: creation", () => {
  it("records REGISTRATION when a customer is first created, and never again", () => {
    const first = given([command("event.track", { name: "app.opened", properties: {} }, { id: "e1" }), at(0)]);
    expect(first.facts.map((fact) => fact.type)).toEqual([
      "customer.profileChanged",
      "event.recorded",
      "event.recorded",
    ]);
    expect(first.facts[0]).toMatchObject({ data: { created: true, changed: [], identified: true } });
    expect(first.facts[1]).toMatchObject({
      data: { eventId: "registration", name: "REGISTRATION", timestamp: iso(0) },
    });

    const second = applyCommand(first.snapshot, command("customer.upsert", { lastName: "Quispe" }), at(1));
    expect(second.facts).toEqual([
      expect.objectContaining({ type: "customer.profileChanged", data: expect.objectContaining({ created: false }) }),
    ]);
    expect(second.state?.stats.find((stat) => stat.name === "REGISTRATION")?.count).toBe(1);
    expect(second.state?.createdAt).toBe(iso(0));
  });

  it("does not create a customer to delete it or to unregister a device", () => {
    for (const cmd of [command("customer.delete", {}), command("device.unregister", { token: "t" })]) {
      const result = applyCommand(undefined, cmd, at(0));
      expect(result).toMatchObject({ snapshot: undefined, state: undefined, facts: [] });
      expect(result.notes).toHaveLength(1);
    }
  });

  it("creates a new customer after a delete (the runtime decides whether a tombstone lets it)", () => {
    const deleted = given(
      [command("customer.upsert", { email: "a@example.com" }), at(0)],
      [command("customer.delete", {}), at(1)],
    );
    const again = applyCommand(deleted.snapshot, command("customer.upsert", { firstName: "Ana" }), at(2));
    expect(again.state?.profile).toEqual({ firstName: "Ana" });
    expect(again.facts.map((fact) => fact.type)).toEqual(["customer.profileChanged", "event.recorded"]);
  });

  it("refuses a command meant for another customer", () => {
    const { snapshot } = given([command("customer.upsert", {}), at(0)]);
    expect(() => applyCommand(snapshot, command("customer.upsert", {}, { customerId: "c2" }), at(1))).toThrow(/c2/);
  });
});

describe("applyCommand: idempotency", () => {
  it("applies the same event id once", () => {
    const once = given(
      [command("customer.upsert", {}), at(0)],
      [command("event.track", { name: "clicked", properties: {} }, { id: "same" }), at(1)],
    );
    const twice = applyCommand(
      once.snapshot,
      command("event.track", { name: "clicked", properties: {} }, { id: "same" }),
      at(2),
    );
    expect(twice.facts).toEqual([]);
    expect(twice.notes).toEqual(["event same already applied"]);
    expect(twice.snapshot).toStrictEqual(once.snapshot);
    expect(twice.state?.stats.find((stat) => stat.name === "clicked")?.count).toBe(1);
  });

  it("remembers the last 500 event ids", () => {
    const steps: [IngestCommand, Date][] = [
      [command("event.track", { name: "x", properties: {} }, { id: "old" }), at(0)],
    ];
    for (let i = 0; i < 500; i += 1)
      steps.push([command("event.track", { name: "x", properties: {} }, { id: `n${i}` }), at(1)]);
    const result = given(...steps);
    expect(result.state?.recentEventIds).toHaveLength(500);
    expect(result.state?.recentEventIds[0]).toBe("n0");
    const replayed = applyCommand(
      result.snapshot,
      command("event.track", { name: "x", properties: {} }, { id: "n499" }),
      at(2),
    );
    expect(replayed.facts).toEqual([]);
  });

  it("leaves the snapshot it was given untouched", () => {
    const { snapshot } = given(
      [command("customer.upsert", { attributes: { a: { b: 1 } }, tags: ["t"] }), at(0)],
      [
        command("event.track", {
          name: "FULFILL",
          properties: { orderId: "o", currency: "EUR", items: [{ sku: "s", price: 1, quantity: 3 }] },
        }),
        at(1),
      ],
      [command("device.register", { token: "tok", platform: "WEB" }), at(1)],
    );
    const frozen = deepFreeze(structuredClone(snapshot));
    const before = structuredClone(frozen);
    for (const cmd of [
      command("customer.upsert", { attributes: { a: { b: null, c: 2 } }, tags: ["u"] }),
      command("event.track", { name: "REVERSE", properties: { orderId: "o", items: [{ sku: "s", quantity: 1 }] } }),
      command("device.register", { token: "tok", platform: "IOS" }),
      command("device.unregister", { token: "tok" }),
      command("consent.set", { sms: "DENIED" }),
    ]) {
      applyCommand(frozen, cmd, at(2));
    }
    expect(frozen).toStrictEqual(before);
  });
});

describe("applyCommand: devices", () => {
  it("updates a token it already has, ignores an identical registration and an unknown unregistration", () => {
    const registered = given([command("device.register", { token: "tok", platform: "IOS", appId: "a" }), at(0)]);
    const same = applyCommand(
      registered.snapshot,
      command("device.register", { token: "tok", platform: "IOS", appId: "a" }),
      at(1),
    );
    expect(same.facts).toEqual([]);
    const moved = applyCommand(
      same.snapshot,
      command("device.register", { token: "tok", platform: "IOS", appId: "b" }),
      at(2),
    );
    expect(moved.facts).toEqual([{ type: "device.registered", data: { token: "tok", platform: "IOS", appId: "b" } }]);
    expect(moved.state?.devices).toEqual([{ token: "tok", platform: "IOS", appId: "b", registeredAt: iso(0) }]);
    const unknown = applyCommand(moved.snapshot, command("device.unregister", { token: "other" }), at(3));
    expect(unknown.facts).toEqual([]);
    expect(unknown.state?.updatedAt).toBe(iso(2));
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
