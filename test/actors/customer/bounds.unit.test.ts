import { describe, expect, it } from "vitest";
import { applyCommand } from "../../../actors/customer/applyCommand.ts";
import { CUSTOMER_BOUNDS, ORDER_MAX_ITEMS, type PersistedCustomer } from "../../../model/index.ts";
import { at, command, given } from "./customerScript.ts";

const active = (snapshot: PersistedCustomer | undefined) => {
  if (snapshot?.status !== "active") throw new Error("expected an active customer");
  return snapshot;
};

const fulfill = (orderId: string, lines: number) =>
  command("event.track", {
    name: "FULFILL",
    properties: {
      orderId,
      currency: "USD",
      items: Array.from({ length: lines }, (_, i) => ({ sku: `sku-${i}`, price: 1, quantity: 1 })),
    },
  });

describe("what one customer holds", () => {
  it("given attributes near their bound, when an upsert would merge them past it, then it is refused and nothing changes", () => {
    const half = "x".repeat(CUSTOMER_BOUNDS.attributesBytes / 2);
    const before = given(command("customer.upsert", { attributes: { first: half } }));

    const result = applyCommand(
      before,
      command("customer.upsert", { attributes: { second: half }, tier: "Gold" }),
      at(5),
    );

    expect(result.refused).toMatchObject({ type: "attributesTooLarge", bound: CUSTOMER_BOUNDS.attributesBytes });
    expect(result.snapshot).toBe(before);
    expect(result.facts).toEqual([]);
  });

  it("given no customer, when its first upsert carries too many attributes, then it stays absent", () => {
    const big = "x".repeat(CUSTOMER_BOUNDS.attributesBytes + 1);
    const result = applyCommand(undefined, command("customer.upsert", { attributes: { big } }), at(0));
    expect(result.refused?.type).toBe("attributesTooLarge");
    expect(result.snapshot).toBeUndefined();
  });

  it("given attributes at their bound, when an upsert removes some and adds others within it, then it applies", () => {
    const half = "x".repeat(CUSTOMER_BOUNDS.attributesBytes / 2);
    const before = given(command("customer.upsert", { attributes: { first: half } }));
    const result = applyCommand(
      before,
      command("customer.upsert", { attributes: { first: null, second: half } }),
      at(5),
    );
    expect(result.refused).toBeUndefined();
    expect(active(result.snapshot).attributes).toEqual({ second: half });
  });

  it("given devices at their bound, when one more registers, then the oldest is forgotten with its device.unregistered fact", () => {
    const tokens = Array.from({ length: CUSTOMER_BOUNDS.devices }, (_, i) => `t-${i}`);
    const before = given(...tokens.map((token) => command("device.register", { token, platform: "ANDROID" })));

    const result = applyCommand(before, command("device.register", { token: "newest", platform: "IOS" }), at(60));

    expect(active(result.snapshot).devices.map((device) => device.token)).toEqual([...tokens.slice(1), "newest"]);
    expect(result.facts.filter((fact) => fact.type.startsWith("device."))).toEqual([
      { type: "device.registered", data: { token: "newest", platform: "IOS" } },
      { type: "device.unregistered", data: { token: "t-0" } },
    ]);
  });

  it("given orders at their line bound, when another is fulfilled, then the oldest orders go until the lines fit", () => {
    // Two half orders, then full ones (ORDER_MAX_ITEMS lines, what one FULFILL may carry) up to the bound.
    const full = Array.from({ length: CUSTOMER_BOUNDS.orderLines / ORDER_MAX_ITEMS - 1 }, (_, i) => `o-${i + 3}`);
    const before = given(
      fulfill("o-1", ORDER_MAX_ITEMS / 2),
      fulfill("o-2", ORDER_MAX_ITEMS / 2),
      ...full.map((id) => fulfill(id, ORDER_MAX_ITEMS)),
    );

    const result = applyCommand(before, fulfill("o-new", ORDER_MAX_ITEMS), at(10));

    expect(active(result.snapshot).orders.map((order) => order.orderId)).toEqual([...full, "o-new"]);
    expect(result.outcomes).toEqual([
      { type: "orderForgotten", orderId: "o-1" },
      { type: "orderForgotten", orderId: "o-2" },
    ]);
    // A forgotten order reads as never fulfilled.
    const reversal = applyCommand(
      result.snapshot,
      command("event.track", { name: "CANCEL", properties: { orderId: "o-1" } }),
      at(11),
    );
    expect(reversal.outcomes).toEqual([{ type: "orderNeverFulfilled", cause: "CANCEL", orderId: "o-1" }]);
  });

  it("given orders at their count bound, when another is fulfilled, then the oldest is forgotten", () => {
    let snapshot = given(fulfill("o-0", 1));
    for (let i = 1; i < CUSTOMER_BOUNDS.orders; i++)
      snapshot = applyCommand(snapshot, fulfill(`o-${i}`, 1), at(1)).snapshot;
    expect(active(snapshot).orders).toHaveLength(CUSTOMER_BOUNDS.orders);

    const result = applyCommand(snapshot, fulfill("o-last", 1), at(2));

    const orders = active(result.snapshot).orders;
    expect(orders).toHaveLength(CUSTOMER_BOUNDS.orders);
    expect([orders[0]?.orderId, orders.at(-1)?.orderId]).toEqual(["o-1", "o-last"]);
  });

  it("given event names at their bound, when a new name is counted, then the name last seen longest ago is forgotten", () => {
    let snapshot = given(command("event.track", { name: "first", properties: {} }));
    // REGISTRATION and "first" are two names; fill up to the bound with later ones.
    for (let i = 2; i < CUSTOMER_BOUNDS.eventNames; i++) {
      snapshot = applyCommand(snapshot, command("event.track", { name: `n-${i}`, properties: {} }), at(i)).snapshot;
    }
    const result = applyCommand(snapshot, command("event.track", { name: "newest", properties: {} }), at(1_000));

    const names = active(result.snapshot).stats.map((stat) => stat.name);
    expect(names).toHaveLength(CUSTOMER_BOUNDS.eventNames);
    expect(names).toContain("newest");
    expect(names).not.toContain("REGISTRATION");
    expect(result.outcomes).toEqual([{ type: "eventStatsForgotten", name: "REGISTRATION" }]);
  });
});
