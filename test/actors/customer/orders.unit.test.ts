import { describe, expect, it } from "vitest";
import { type ApplyResult, applyCommand } from "../../../actors/customer/applyCommand.ts";
import type { IngestCommand } from "../../../model/index.ts";

const T0 = "2026-04-01T09:00:00.000Z";
const at = (n: number) => new Date(Date.parse(T0) + n * 60_000);

let sequence = 0;
function order(name: "FULFILL" | "REVERSE" | "CANCEL", properties: Record<string, unknown>): IngestCommand {
  return {
    type: "event.track",
    data: { name, properties },
    metadata: { account: "acme", customerId: "c1", commandId: `o-${++sequence}`, acceptedAt: T0 },
  };
}

function given(...commands: IngestCommand[]): ApplyResult {
  let result: ApplyResult = { snapshot: undefined, facts: [], state: undefined, outcomes: [] };
  commands.forEach((cmd, minute) => {
    result = applyCommand(result.snapshot, cmd, at(minute));
  });
  return result;
}

const fulfill = order("FULFILL", {
  orderId: "o-1",
  currency: "PEN",
  items: [
    { sku: "A", price: 10, quantity: 2 },
    { sku: "B", name: "Bag", price: 30, quantity: 1 },
    { sku: "A", price: 8, quantity: 1 },
  ],
});

const purchases = (result: ApplyResult) => result.facts.filter((fact) => fact.type === "purchase.recorded");

describe("orders", () => {
  it("clamps a reversal larger than what was fulfilled, and notes it", () => {
    const before = given(fulfill);
    const reversed = applyCommand(
      before.snapshot,
      order("REVERSE", { orderId: "o-1", items: [{ sku: "A", quantity: 5 }] }),
      at(10),
    );
    expect(purchases(reversed)).toEqual([
      {
        type: "purchase.recorded",
        data: {
          orderId: "o-1",
          currency: "PEN",
          sign: -1,
          cause: "REVERSE",
          items: [
            { sku: "A", price: 10, quantity: 2 },
            { sku: "A", price: 8, quantity: 1 },
          ],
          timestamp: T0,
          clamped: [{ sku: "A", requested: 5, applied: 3 }],
        },
      },
    ]);
    expect(reversed.outcomes).toEqual([
      { type: "reversalClamped", orderId: "o-1", sku: "A", requested: 5, applied: 3 },
    ]);
  });

  it("undoes per sku at most what remains, then the rest with a whole-order REVERSE", () => {
    const partly = given(
      fulfill,
      order("REVERSE", { orderId: "o-1", items: [{ sku: "A", quantity: 1 }] }),
      order("REVERSE", { orderId: "o-1", items: [{ sku: "A", quantity: 1 }] }),
    );
    expect(purchases(partly)[0]?.data).toMatchObject({ items: [{ sku: "A", price: 10, quantity: 1 }] });
    expect(partly.outcomes).toEqual([]);
    const rest = applyCommand(partly.snapshot, order("REVERSE", { orderId: "o-1" }), at(10));
    expect(purchases(rest)[0]?.data).toMatchObject({
      cause: "REVERSE",
      items: [
        { sku: "B", name: "Bag", price: 30, quantity: 1 },
        { sku: "A", price: 8, quantity: 1 },
      ],
    });
    expect(rest.state?.orders[0]?.lines.map((line) => line.undone)).toEqual([2, 1, 1]);
  });

  it("gives no purchase fact (and no event) for a reversal of an order never fulfilled", () => {
    const before = given(fulfill);
    for (const cmd of [
      order("REVERSE", { orderId: "nope" }),
      order("CANCEL", { orderId: "nope" }),
      order("REVERSE", { orderId: "o-1", items: [{ sku: "Z", quantity: 1 }] }),
    ]) {
      const result = applyCommand(before.snapshot, cmd, at(10));
      expect(result.facts).toEqual([]);
      expect(result.outcomes.length).toBeGreaterThan(0);
      expect(result.state?.stats).toStrictEqual(before.state?.stats);
      expect(result.state?.orders).toStrictEqual(before.state?.orders);
    }
  });

  it("undoes once: a second CANCEL yields nothing", () => {
    const cancelled = given(fulfill, order("CANCEL", { orderId: "o-1" }));
    expect(purchases(cancelled)[0]?.data).toMatchObject({ sign: -1, cause: "CANCEL" });
    const again = applyCommand(cancelled.snapshot, order("CANCEL", { orderId: "o-1" }), at(10));
    expect(again.facts).toEqual([]);
    expect(again.outcomes).toEqual([{ type: "nothingLeftToUndo", cause: "CANCEL", orderId: "o-1" }]);
    const reverse = applyCommand(again.snapshot, order("REVERSE", { orderId: "o-1" }), at(11));
    expect(reverse.facts).toEqual([]);
  });

  it("ignores a second FULFILL of the same order, saying so", () => {
    const first = given(fulfill);
    const second = applyCommand(
      first.snapshot,
      order("FULFILL", { orderId: "o-1", currency: "PEN", items: [{ sku: "C", price: 1, quantity: 1 }] }),
      at(10),
    );
    expect(second.facts).toEqual([]);
    expect(second.outcomes).toEqual([{ type: "orderAlreadyFulfilled", orderId: "o-1" }]);
    expect(second.state?.orders).toStrictEqual(first.state?.orders);
    expect(second.state?.stats.find((stat) => stat.name === "FULFILL")?.count).toBe(1);
  });

  it("records an order event with malformed properties as a plain event", () => {
    const result = given(order("FULFILL", { orderId: "o-9" }));
    expect(result.facts.map((fact) => fact.type)).toEqual([
      "customer.profileChanged",
      "event.recorded",
      "event.recorded",
    ]);
    expect(result.outcomes).toEqual([{ type: "malformedOrderEvent", name: "FULFILL", eventId: expect.any(String) }]);
    expect(result.state?.orders).toEqual([]);
  });
});
