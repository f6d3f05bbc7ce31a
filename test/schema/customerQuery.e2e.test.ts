import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CustomerDocument, customerKey } from "../../store/index.ts";
import { createWorld, uniqueId, type World } from "../support/world.ts";

let a: World;
let b: World;
let sdkKey: string;
beforeAll(async () => {
  const database = uniqueId("db");
  [a, b] = await Promise.all([createWorld({ database }), createWorld({ database })]);
  const created = await a.graphql<{ createApiKey: { key: string } }>("mutation { createApiKey(role: SDK) { key } }");
  sdkKey = created.data?.createApiKey.key ?? "";
  expect(sdkKey).not.toBe("");
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

const CUSTOMER = `query($id: ID!) {
  customer(customerId: $id) {
    customerId email phone firstName lastName tier attributes tags
    consent { email push whatsapp sms ads dataSharing }
    devices { token platform appId registeredAt }
    stats { name count firstAt lastAt }
    createdAt updatedAt version
  }
}`;

type CustomerResult = { customer: Record<string, unknown> | null };

function liveCustomer(account: string, customerId: string): CustomerDocument {
  return {
    _id: customerKey(account, customerId),
    version: 1,
    lastSeq: 1,
    deleted: false,
    schemaVersion: 1,
    account,
    customerId,
    identified: true,
    createdAt: "2026-03-01T09:00:00.000Z",
    updatedAt: "2026-03-04T18:30:15.250Z",
    profile: { email: "ana@example.com", phone: "+5215512345678", firstName: "Ana", lastName: "García", tier: "VIP" },
    attributes: { city: "CDMX", loyalty: { points: 1250, level: { name: "gold", since: "2025-01-01" } }, pets: [2] },
    tags: ["newsletter", "vip"],
    consent: {
      email: "GRANTED",
      push: "DENIED",
      whatsapp: "UNKNOWN",
      sms: "GRANTED",
      ads: "DENIED",
      dataSharing: "UNKNOWN",
    },
    devices: [
      { token: "ios-token-1", platform: "IOS", appId: "com.masivo.app", registeredAt: "2026-03-02T10:00:00.000Z" },
      { token: "web-token-2", platform: "WEB", registeredAt: "2026-03-03T11:15:00.000Z" },
    ],
    stats: [
      {
        name: "FULFILL",
        count: 1,
        firstAt: "2026-03-04T18:30:15.250Z",
        lastAt: "2026-03-04T18:30:15.250Z",
        daily: { "2026-03-04": 1 },
        recent: ["2026-03-04T18:30:15.250Z"],
      },
      {
        name: "app.opened",
        count: 3,
        firstAt: "2026-03-01T09:00:00.000Z",
        lastAt: "2026-03-03T12:00:00.000Z",
        daily: { "2026-03-01": 2, "2026-03-03": 1 },
        recent: ["2026-03-03T12:00:00.000Z", "2026-03-01T09:30:00.000Z", "2026-03-01T09:00:00.000Z"],
      },
    ],
    orders: [
      {
        orderId: "o-1",
        currency: "MXN",
        fulfilledAt: "2026-03-04T18:30:15.250Z",
        lines: [{ sku: "sku-1", name: "Mug", price: 199.5, quantity: 2, undone: 0 }],
      },
    ],
    recentEventIds: ["e1", "e2", "e3", "e4"],
    memberships: [],
  };
}

describe("Query.customer", () => {
  it("returns a stored customer's whole state", async () => {
    const customerId = uniqueId("c");
    await a.services.customers.writeMany([{ document: liveCustomer(a.account, customerId), readVersion: 0 }]);

    const result = await a.graphql<CustomerResult>(CUSTOMER, { id: customerId });
    expect(result.errors).toBeUndefined();
    expect(result.data?.customer).toEqual({
      customerId,
      email: "ana@example.com",
      phone: "+5215512345678",
      firstName: "Ana",
      lastName: "García",
      tier: "VIP",
      attributes: { city: "CDMX", loyalty: { points: 1250, level: { name: "gold", since: "2025-01-01" } }, pets: [2] },
      tags: ["newsletter", "vip"],
      consent: {
        email: "GRANTED",
        push: "DENIED",
        whatsapp: "UNKNOWN",
        sms: "GRANTED",
        ads: "DENIED",
        dataSharing: "UNKNOWN",
      },
      devices: [
        { token: "ios-token-1", platform: "IOS", appId: "com.masivo.app", registeredAt: "2026-03-02T10:00:00.000Z" },
        { token: "web-token-2", platform: "WEB", appId: null, registeredAt: "2026-03-03T11:15:00.000Z" },
      ],
      stats: [
        { name: "FULFILL", count: 1, firstAt: "2026-03-04T18:30:15.250Z", lastAt: "2026-03-04T18:30:15.250Z" },
        { name: "app.opened", count: 3, firstAt: "2026-03-01T09:00:00.000Z", lastAt: "2026-03-03T12:00:00.000Z" },
      ],
      createdAt: "2026-03-01T09:00:00.000Z",
      updatedAt: "2026-03-04T18:30:15.250Z",
      version: 1,
    });
  });

  it("answers null profile fields for a customer without them", async () => {
    const customerId = uniqueId("c");
    const document = { ...liveCustomer(a.account, customerId), profile: {} };
    await a.services.customers.writeMany([{ document, readVersion: 0 }]);

    const result = await a.graphql<CustomerResult>(
      "query($id: ID!) { customer(customerId: $id) { email phone firstName lastName tier } }",
      { id: customerId },
    );
    expect(result).toEqual({
      data: { customer: { email: null, phone: null, firstName: null, lastName: null, tier: null } },
    });
  });

  it("answers null for an unknown customer", async () => {
    const result = await a.graphql<CustomerResult>(CUSTOMER, { id: uniqueId("nobody") });
    expect(result).toEqual({ data: { customer: null } });
  });

  it("answers null for a deleted customer", async () => {
    const customerId = uniqueId("c");
    const tombstone: CustomerDocument = {
      _id: customerKey(a.account, customerId),
      version: 3,
      lastSeq: 7,
      deleted: true,
      account: a.account,
      customerId,
      deletedAt: "2026-03-05T08:00:00.000Z",
    };
    await a.services.customers.writeMany([{ document: tombstone, readVersion: 0 }]);

    const result = await a.graphql<CustomerResult>(CUSTOMER, { id: customerId });
    expect(result).toEqual({ data: { customer: null } });
  });

  it("does not show one account's customer to another account's key", async () => {
    const customerId = uniqueId("c");
    await a.services.customers.writeMany([{ document: liveCustomer(a.account, customerId), readVersion: 0 }]);

    expect(await b.graphql<CustomerResult>(CUSTOMER, { id: customerId })).toEqual({ data: { customer: null } });
    const fromA = await a.graphql<CustomerResult>(CUSTOMER, { id: customerId });
    expect(fromA.data?.customer?.customerId).toBe(customerId);
  });

  it("forbids an SDK key to read customers", async () => {
    const customerId = uniqueId("c");
    await a.services.customers.writeMany([{ document: liveCustomer(a.account, customerId), readVersion: 0 }]);

    const result = await a.graphql<CustomerResult>(CUSTOMER, { id: customerId }, sdkKey);
    expect(result.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(result.data?.customer ?? null).toBeNull();
  });

  it("refuses an empty customer id as bad input", async () => {
    const result = await a.graphql<CustomerResult>(CUSTOMER, { id: "" });
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(/^customerId: must not be empty/);
  });
});
