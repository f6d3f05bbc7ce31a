import { describe, expect, it } from "vitest";
import { applyCommand } from "../../../actors/customer/applyCommand.ts";
import { at, command, given, iso, T0, UNKNOWN_CONSENT } from "./customerScript.ts";

const upsert = command("customer.upsert", { email: "ana@example.com" });
const remove = () => command("customer.delete", {});
const evaluate = (runId: string) => command("audience.evaluate", { audienceId: "aud-1", runId, rule: { tag: "vip" } });

describe("lifecycle: absent", () => {
  it("given nobody, when it is deleted or a device unregistered, then nothing is stored and it says why", () => {
    for (const cmd of [remove(), command("device.unregister", { token: "t" })]) {
      const result = applyCommand(undefined, cmd, at(0));
      expect(result).toEqual({
        snapshot: undefined,
        state: undefined,
        facts: [],
        outcomes: [{ type: "noCustomer", command: cmd.type, status: "absent" }],
      });
    }
  });

  it("given nobody, when an audience run asks about it, then it answers 'not a member' without creating it", () => {
    const result = applyCommand(undefined, evaluate("run-1"), at(0));
    expect(result).toEqual({
      snapshot: undefined,
      state: undefined,
      facts: [{ type: "membership.unchanged", data: { audienceId: "aud-1", runId: "run-1", member: false } }],
      outcomes: [{ type: "notAMember", command: "audience.evaluate", audienceId: "aud-1", status: "absent" }],
    });
  });
});

describe("lifecycle: active to deleted", () => {
  it("given a customer in an audience, when it is deleted, then it leaves the audience and the deleted state is stored", () => {
    const member = command("membership.set", { audienceId: "aud-1", runId: "imp-1", member: true });
    const result = applyCommand(given(upsert, member), remove(), at(2));
    expect(result).toEqual({
      snapshot: { status: "deleted", account: "acme", customerId: "c1", deletedAt: iso(2) },
      state: undefined,
      facts: [
        { type: "membership.changed", data: { audienceId: "aud-1", change: "EXITED", at: iso(2) } },
        { type: "customer.deleted", data: {} },
      ],
      outcomes: [],
    });
  });
});

describe("lifecycle: deleted", () => {
  const deleted = given(upsert, remove());

  it("given a deleted customer, when it is deleted again, then it stays deleted since the first time", () => {
    const result = applyCommand(deleted, remove(), at(5));
    expect(result.snapshot).toEqual({ status: "deleted", account: "acme", customerId: "c1", deletedAt: iso(1) });
    expect(result.facts).toEqual([]);
    expect(result.outcomes).toEqual([{ type: "noCustomer", command: "customer.delete", status: "deleted" }]);
  });

  it("given a deleted customer, when an audience run asks about it, then it is no member and stays deleted", () => {
    const result = applyCommand(deleted, evaluate("run-2"), at(5));
    expect(result.snapshot).toBe(deleted);
    expect(result.facts).toEqual([
      { type: "membership.unchanged", data: { audienceId: "aud-1", runId: "run-2", member: false } },
    ]);
    expect(result.outcomes).toEqual([
      { type: "notAMember", command: "audience.evaluate", audienceId: "aud-1", status: "deleted" },
    ]);
  });

  it("given a deleted customer, when a new command arrives, then a new customer is created from nothing", () => {
    const result = applyCommand(deleted, command("customer.upsert", { firstName: "Ana" }), at(5));
    expect(result.facts.map((fact) => fact.type)).toEqual(["customer.profileChanged", "event.recorded"]);
    expect(result.facts[0]).toMatchObject({
      data: { profile: { firstName: "Ana" }, consent: UNKNOWN_CONSENT, created: true },
    });
    expect(result.snapshot).toMatchObject({ status: "active", createdAt: iso(5), profile: { firstName: "Ana" } });
  });
});

describe("lifecycle: the stored customer", () => {
  it("given a whole life, then the stored customer holds exactly its state, active", () => {
    const items = [{ sku: "A", name: "Alpaca scarf", price: 10, quantity: 2 }];
    const snapshot = given(
      command("customer.upsert", { email: "ana@example.com", attributes: { vip: false }, tags: ["vip", "new"] }),
      command("event.track", { name: "product.viewed", timestamp: iso(-60), properties: {} }, { id: "e1" }),
      command("event.track", { name: "FULFILL", properties: { orderId: "o-1", currency: "USD", items } }, { id: "e2" }),
      command("device.register", { token: "tok-2", platform: "ANDROID" }),
      command("consent.set", { push: "GRANTED" }),
    );
    const stat = (name: string, timestamp: string) => ({
      name,
      count: 1,
      firstAt: timestamp,
      lastAt: timestamp,
      daily: { "2026-03-01": 1 },
      recent: [timestamp],
    });
    expect(snapshot).toStrictEqual({
      status: "active",
      account: "acme",
      customerId: "c1",
      identified: true,
      createdAt: iso(0),
      updatedAt: iso(4),
      profile: { email: "ana@example.com" },
      attributes: { vip: false },
      tags: ["new", "vip"],
      consent: { ...UNKNOWN_CONSENT, push: "GRANTED" },
      devices: [{ token: "tok-2", platform: "ANDROID", registeredAt: iso(3) }],
      stats: [stat("FULFILL", T0), stat("REGISTRATION", iso(0)), stat("product.viewed", iso(-60))],
      orders: [{ orderId: "o-1", currency: "USD", fulfilledAt: T0, lines: [{ ...items[0], undone: 0 }] }],
      recentEventIds: ["e1", "e2"],
      memberships: [],
    });
  });

  it("given a customer, when commands are applied to it, then the snapshot it was given is left untouched", () => {
    const frozen = deepFreeze(
      structuredClone(
        given(
          command("customer.upsert", { attributes: { a: { b: 1 } }, tags: ["t"] }),
          command("event.track", {
            name: "FULFILL",
            properties: { orderId: "o", currency: "EUR", items: [{ sku: "s", price: 1, quantity: 3 }] },
          }),
          command("device.register", { token: "tok", platform: "WEB" }),
        ),
      ),
    );
    const before = structuredClone(frozen);
    for (const cmd of [
      command("customer.upsert", { attributes: { a: { b: null, c: 2 } }, tags: ["u"] }),
      command("event.track", { name: "REVERSE", properties: { orderId: "o", items: [{ sku: "s", quantity: 1 }] } }),
      command("device.register", { token: "tok", platform: "IOS" }),
      command("device.unregister", { token: "tok" }),
      command("consent.set", { sms: "DENIED" }),
      command("customer.delete", {}),
    ]) {
      applyCommand(frozen, cmd, at(9));
    }
    expect(frozen).toStrictEqual(before);
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
