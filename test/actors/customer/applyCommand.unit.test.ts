import { describe, expect, it } from "vitest";
import { applyCommand } from "../../../actors/customer/applyCommand.ts";
import { at, command, given, iso, T0, UNKNOWN_CONSENT } from "./customerScript.ts";

const attributes = { address: { city: "Lima", zip: "15001" }, vip: false };
const ana = command("customer.upsert", {
  email: "ana@example.com",
  firstName: "Ana",
  attributes,
  tags: ["vip", "new", "vip"],
  consent: { email: "GRANTED" },
});
const scarf = { sku: "A", name: "Alpaca scarf", price: 10 };
const order = {
  orderId: "o-1",
  currency: "USD",
  items: [
    { ...scarf, quantity: 2 },
    { sku: "B", price: 5, quantity: 1 },
  ],
};
const fulfill = command("event.track", { name: "FULFILL", properties: order }, { id: "e2" });
const reverse = { orderId: "o-1", items: [{ sku: "A", quantity: 1 }] };
const reverseOne = command("event.track", { name: "REVERSE", timestamp: iso(3), properties: reverse }, { id: "e3" });

describe("applyCommand: creation", () => {
  it("given nobody, when a profile is upserted, then the customer is created with its profile, tags and REGISTRATION", () => {
    const result = applyCommand(undefined, ana, at(0));
    expect(result.facts).toEqual([
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
    expect(result.outcomes).toEqual([]);
    expect(result.snapshot?.status).toBe("active");
  });

  it("given nobody, when an event is tracked, then the customer is created first and the event recorded after REGISTRATION", () => {
    const result = applyCommand(undefined, command("event.track", { name: "app.opened", properties: {} }), at(0));
    expect(result.facts.map((fact) => fact.type)).toEqual([
      "customer.profileChanged",
      "event.recorded",
      "event.recorded",
    ]);
    expect(result.facts[0]).toMatchObject({ data: { created: true, changed: [], identified: true } });
    expect(result.facts[1]).toMatchObject({ data: { eventId: "registration", name: "REGISTRATION" } });
  });

  it("given a customer, when it is upserted again, then REGISTRATION is not recorded again and createdAt stays", () => {
    const result = applyCommand(given(ana), command("customer.upsert", { lastName: "Quispe" }), at(1));
    expect(result.facts).toEqual([
      expect.objectContaining({ type: "customer.profileChanged", data: expect.objectContaining({ created: false }) }),
    ]);
    expect(result.state?.stats.find((stat) => stat.name === "REGISTRATION")?.count).toBe(1);
    expect(result.state?.createdAt).toBe(iso(0));
  });

  it("given a customer, when a command for another customer is applied to it, then it is refused", () => {
    expect(() => applyCommand(given(ana), command("customer.upsert", {}, { customerId: "c2" }), at(1))).toThrow(/c2/);
  });
});

describe("applyCommand: events and orders", () => {
  it("given a customer, when an event with its own timestamp is tracked, then it is recorded at that time", () => {
    const viewed = command(
      "event.track",
      { name: "product.viewed", timestamp: iso(-60), properties: { sku: "A" } },
      { id: "e1" },
    );
    expect(applyCommand(given(ana), viewed, at(1)).facts).toEqual([
      {
        type: "event.recorded",
        data: { eventId: "e1", name: "product.viewed", timestamp: iso(-60), properties: { sku: "A" }, internal: false },
      },
    ]);
  });

  it("given a customer, when a FULFILL without timestamp arrives, then the purchase happened at acceptance", () => {
    expect(applyCommand(given(ana), fulfill, at(2)).facts).toEqual([
      {
        type: "event.recorded",
        data: { eventId: "e2", name: "FULFILL", timestamp: T0, properties: order, internal: true },
      },
      {
        type: "purchase.recorded",
        data: { orderId: "o-1", currency: "USD", sign: 1, cause: "FULFILL", items: order.items, timestamp: T0 },
      },
    ]);
  });

  it("given a fulfilled order, when one item is reversed, then a purchase with sign -1 gives that item back", () => {
    expect(applyCommand(given(ana, fulfill), reverseOne, at(3)).facts).toEqual([
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
  });

  it("given a partly reversed order, when it is cancelled, then exactly what remained is given back", () => {
    const cancel = command("event.track", { name: "CANCEL", timestamp: iso(4), properties: { orderId: "o-1" } });
    const result = applyCommand(given(ana, fulfill, reverseOne), cancel, at(4));
    expect(result.facts[1]).toEqual({
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
    });
    expect(result.state?.orders[0]?.lines.map((line) => line.undone)).toEqual([2, 1]);
  });
});

describe("applyCommand: consent and devices", () => {
  it("given a customer, when consent is set, then the whole profile is published with consent changed", () => {
    expect(applyCommand(given(ana), command("consent.set", { push: "GRANTED", email: "DENIED" }), at(1)).facts).toEqual(
      [
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
      ],
    );
  });

  it("given a device, when it is registered again as it is, then nothing happens", () => {
    const register = command("device.register", { token: "tok", platform: "IOS", appId: "a" });
    const result = applyCommand(
      given(register),
      command("device.register", { token: "tok", platform: "IOS", appId: "a" }),
      at(1),
    );
    expect(result.facts).toEqual([]);
  });

  it("given a device, when it is registered for another app, then it is updated and keeps its registeredAt", () => {
    const register = command("device.register", { token: "tok", platform: "IOS", appId: "a" });
    const moved = applyCommand(
      given(register),
      command("device.register", { token: "tok", platform: "IOS", appId: "b" }),
      at(2),
    );
    expect(moved.facts).toEqual([{ type: "device.registered", data: { token: "tok", platform: "IOS", appId: "b" } }]);
    expect(moved.state?.devices).toEqual([{ token: "tok", platform: "IOS", appId: "b", registeredAt: iso(0) }]);
  });

  it("given a device, when it is unregistered, then it is gone; an unknown token changes nothing", () => {
    const customer = given(command("device.register", { token: "tok-1", platform: "IOS" }));
    const removed = applyCommand(customer, command("device.unregister", { token: "tok-1" }), at(1));
    expect(removed.facts).toEqual([{ type: "device.unregistered", data: { token: "tok-1" } }]);
    expect(removed.state?.devices).toEqual([]);
    const unknown = applyCommand(customer, command("device.unregister", { token: "other" }), at(2));
    expect(unknown.facts).toEqual([]);
    expect(unknown.outcomes).toEqual([]);
    expect(unknown.state?.updatedAt).toBe(iso(0));
  });
});

describe("applyCommand: idempotency", () => {
  const clicked = () => command("event.track", { name: "clicked", properties: {} }, { id: "same" });

  it("given an event applied, when the same event id arrives again, then nothing changes and it says so", () => {
    const once = given(command("customer.upsert", {}), clicked());
    const twice = applyCommand(once, clicked(), at(2));
    expect(twice.facts).toEqual([]);
    expect(twice.outcomes).toEqual([{ type: "duplicateEvent", eventId: "same" }]);
    expect(twice.snapshot).toStrictEqual(once);
  });

  it("given 500 later events, when the oldest id arrives again, then it counts anew; the newest does not", () => {
    const track = (id: string) => command("event.track", { name: "x", properties: {} }, { id });
    const events = [track("old"), ...Array.from({ length: 500 }, (_, i) => track(`n${i}`))];
    const customer = given(...events);
    expect(customer?.status === "active" && customer.recentEventIds).toHaveLength(500);
    expect(applyCommand(customer, track("n499"), at(600)).facts).toEqual([]);
    expect(applyCommand(customer, track("old"), at(600)).facts.map((fact) => fact.type)).toEqual(["event.recorded"]);
  });
});
