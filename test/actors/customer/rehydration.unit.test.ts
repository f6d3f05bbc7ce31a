import { describe, expect, it } from "vitest";
import { type ApplyResult, applyCommand } from "../../../actors/customer/applyCommand.ts";
import { customerOfDocument, documentOfCustomer } from "../../../actors/customer/storedCustomers.ts";
import type { IngestCommand, IngestCommandType, PersistedCustomer } from "../../../model/index.ts";

const T0 = "2026-02-01T00:00:00.000Z";
const at = (n: number) => new Date(Date.parse(T0) + n * 3_600_000);

type Data<T extends IngestCommandType> = Extract<IngestCommand, { type: T }>["data"];
function command<T extends IngestCommandType>(type: T, data: Data<T>, commandId: string): IngestCommand {
  return { type, data, metadata: { account: "acme", customerId: "c1", commandId, acceptedAt: T0 } } as IngestCommand;
}

const script: IngestCommand[] = [
  command("event.track", { name: "app.opened", properties: { source: "push" } }, "e1"),
  command(
    "customer.upsert",
    { email: "a@example.com", attributes: { a: { b: 1, c: [1, 2] } }, tags: ["b", "a"] },
    "u1",
  ),
  command("customer.upsert", { attributes: { a: { b: null }, d: "x" }, identified: false }, "u2"),
  command(
    "event.track",
    {
      name: "FULFILL",
      timestamp: "2026-01-31T10:00:00.000Z",
      properties: { orderId: "o", currency: "USD", items: [{ sku: "s", price: 3.5, quantity: 4 }] },
    },
    "e2",
  ),
  command("event.track", { name: "REVERSE", properties: { orderId: "o", items: [{ sku: "s", quantity: 9 }] } }, "e3"),
  command("event.track", { name: "CANCEL", properties: { orderId: "o" } }, "e4"),
  command("event.track", { name: "app.opened", properties: {} }, "e1"),
  command("device.register", { token: "t1", platform: "WEB" }, "d1"),
  command("device.register", { token: "t1", platform: "WEB", appId: "web" }, "d2"),
  command("consent.set", { whatsapp: "GRANTED" }, "c1"),
  command("customer.upsert", { tags: ["a", "b"] }, "u3"),
  command("device.unregister", { token: "t1" }, "d3"),
  command("customer.delete", {}, "x1"),
  command("customer.upsert", { firstName: "Again" }, "u4"),
];

function run(between: (snapshot: PersistedCustomer | undefined) => PersistedCustomer | undefined): ApplyResult[] {
  let snapshot: PersistedCustomer | undefined;
  return script.map((cmd, hour) => {
    const result = applyCommand(between(snapshot), cmd, at(hour));
    snapshot = result.snapshot;
    return result;
  });
}

/** Stores a customer as the runtime does (a document, through JSON as BSON would) and loads it back. */
function storeAndLoad(snapshot: PersistedCustomer | undefined): PersistedCustomer | undefined {
  if (snapshot === undefined) return undefined;
  const document = documentOfCustomer(snapshot, { _id: "acme:c1", version: 1, lastSeq: 1 });
  return customerOfDocument(JSON.parse(JSON.stringify(document)));
}

describe("rehydration", () => {
  it("behaves identically when the snapshot is saved as JSON and restored between every step", () => {
    const live = run((snapshot) => snapshot);
    const restored = run((snapshot) => (snapshot === undefined ? undefined : JSON.parse(JSON.stringify(snapshot))));
    expect(restored).toStrictEqual(live);
    // Every snapshot is plain JSON already: nothing is lost or changed by the round trip.
    for (const { snapshot } of live) {
      expect(snapshot === undefined ? undefined : JSON.parse(JSON.stringify(snapshot))).toStrictEqual(snapshot);
    }
    expect(live.map((result) => result.facts.length)).toEqual([3, 2, 1, 2, 2, 0, 0, 1, 1, 1, 0, 1, 1, 2]);
  });

  it("behaves identically when the customer is stored as a document and loaded between every step", () => {
    expect(run(storeAndLoad)).toStrictEqual(run((snapshot) => snapshot));
  });

  it("stores each lifecycle state as it is: active, then deleted, then active again", () => {
    const live = run((snapshot) => snapshot);
    expect(live.map((result) => result.snapshot?.status)).toEqual([
      ...Array.from({ length: 12 }, () => "active"),
      "deleted",
      "active",
    ]);
  });
});
