import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMasivo } from "../../app/startMasivo.ts";
import { type PrivateNats, startPrivateNats } from "../support/privateNats.ts";
import { postGraphQL, startTestMasivo } from "../support/startTestMasivo.ts";
import { waitFor } from "../support/streamReader.ts";

// Customer workers claim every partition of their nats-server: this file has one of its own.
let nats: PrivateNats;
let masivo: RunningMasivo & { baseUrl: string };
let key: string;
beforeAll(async () => {
  nats = await startPrivateNats();
  masivo = await startTestMasivo({ NATS_URL: nats.url, MASIVO_ROLES: "gateway,customers" });
  key = masivo.bootstrapKey ?? "";
});
afterAll(async () => {
  await masivo?.stop();
  await nats?.close();
});

const graphql = async <T>(query: string, variables: Record<string, unknown>) => {
  const { body } = await postGraphQL(masivo.baseUrl, key, { query, variables });
  expect(body.errors).toBeUndefined();
  return body.data as T;
};

describe("what the edge accepts at its bounds", () => {
  it("is applied to the customer by the store in use (FerretDB too): $ and . in event properties, 100 long order lines, 8 levels of attributes", async () => {
    const customerId = "bounds-1";
    const attributes = {
      "clé ünïcode": { a: { b: { c: { d: { f: [1, { g: true }] } } } } },
      ["k".repeat(128)]: "x",
    };
    const items = Array.from({ length: 100 }, (_, i) => ({
      sku: `${i}`.padEnd(255, "s"),
      name: "n".repeat(255),
      price: 2,
      quantity: 10_000,
    }));
    await graphql("mutation($input: CustomerInput!) { upsertCustomer(input: $input) { accepted } }", {
      input: { customerId, attributes },
    });
    await graphql("mutation($events: [EventInput!]!) { trackEvents(events: $events) { accepted } }", {
      events: [
        { customerId, name: "viewed", properties: { $price: 1, "a.b": { "$c.d": [{ "e.f": 1 }] }, "\u0001": 2 } },
        { customerId, name: "FULFILL", properties: { orderId: "o".repeat(255), currency: "USD", items } },
        {
          customerId,
          name: "REVERSE",
          properties: { orderId: "o".repeat(255), items: items.map(({ sku }) => ({ sku, quantity: 1 })) },
        },
      ],
    });
    const customer = await waitFor("the customer's commands to be applied", async () => {
      const data = await graphql<{
        customer: { attributes: unknown; stats: { name: string; count: number }[] } | null;
      }>("query($id: ID!) { customer(customerId: $id) { attributes stats { name count } } }", { id: customerId });
      return data.customer?.stats.some((stat) => stat.name === "REVERSE") ? data.customer : undefined;
    });
    expect(customer.attributes).toEqual(attributes);
    expect(customer.stats.map(({ name, count }) => `${name} ${count}`)).toEqual([
      "FULFILL 1",
      "REGISTRATION 1",
      "REVERSE 1",
      "viewed 1",
    ]);
  });
});
