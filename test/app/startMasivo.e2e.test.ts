import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMasivo } from "../../app/startMasivo.ts";
import { type PrivateNats, startPrivateNats } from "../support/privateNats.ts";
import { postGraphQL, startTestMasivo } from "../support/startTestMasivo.ts";

let nats: PrivateNats;
let masivo: RunningMasivo & { baseUrl: string };
beforeAll(async () => {
  nats = await startPrivateNats();
  masivo = await startTestMasivo({ NATS_URL: nats.url });
});
afterAll(async () => {
  await masivo.stop();
  await nats.close();
});

describe("a first start with nothing configured", () => {
  it("creates the default account and hands out its admin key once", async () => {
    expect(masivo.bootstrapKey).toMatch(/^mv_admin_/);
    const viewer = await postGraphQL(masivo.baseUrl, masivo.bootstrapKey, { query: "{ viewer { account role } }" });
    expect(viewer.body.data).toEqual({ viewer: { account: "default", role: "ADMIN" } });
  });

  it("answers README's curl example with an Ack", async () => {
    const result = await postGraphQL(masivo.baseUrl, masivo.bootstrapKey, {
      query: "mutation($e: [EventInput!]!) { trackEvents(events: $e) { accepted ids } }",
      variables: { e: [{ id: "evt-1", customerId: "c-1", name: "app_open", properties: { screen: "home" } }] },
    });
    expect(result).toEqual({ status: 200, body: { data: { trackEvents: { accepted: 1, ids: ["evt-1"] } } } });
  });
});

describe("HTTP endpoints", () => {
  it("reports health, readiness and metrics", async () => {
    expect((await fetch(`${masivo.baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${masivo.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ready",
      checks: {
        accepting: true,
        nats: true,
        mongodb: true,
        streams: true,
        "customers.partitionLeases": true,
        "destinations.integrationSyncs": true,
        "audiences.consumers": true,
      },
    });
    const metrics = await (await fetch(`${masivo.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/masivo_commands_accepted_total\{type="event.track"\} 1/);
    expect(metrics).toContain("masivo_http_requests_total");
  });

  it("serves GraphiQL to a browser", async () => {
    const page = await fetch(`${masivo.baseUrl}/graphql`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("graphiql");
  });

  it("refuses an oversized body before reading it", async () => {
    const events = Array.from({ length: 1000 }, (_, i) => ({
      customerId: `c-${i}`,
      name: "x",
      properties: { pad: "p".repeat(5000) },
    }));
    const result = await postGraphQL(masivo.baseUrl, masivo.bootstrapKey, {
      query: "mutation($e: [EventInput!]!) { trackEvents(events: $e) { accepted } }",
      variables: { e: events },
    });
    expect(result.status).toBe(413);
    expect(result.body.errors?.[0]?.message).toMatch(/request body is \d+ bytes; at most 4194304 are accepted/);
  });

  it("refuses a query nested too deeply, before running it", async () => {
    // Valid and 12 levels deep, from a customer to its audiences' members' audiences' members; cheap,
    // as `first: 0` empties what lies below. Introspection's depth is the schema's, not counted.
    const members = (inner: string) => `members(first: 0) { edges { node { ${inner} } } }`;
    const deep = `{ customer(customerId: "c") { audiences { audience { ${members(`audiences { audience { ${members("customerId")} } }`)} } } } }`;
    const shallower = `{ __schema { types { fields { type { name } } } } }`;
    expect((await postGraphQL(masivo.baseUrl, masivo.bootstrapKey, { query: shallower })).body.errors).toBeUndefined();
    const result = await postGraphQL(masivo.baseUrl, masivo.bootstrapKey, { query: deep });
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors?.[0]).toMatchObject({ extensions: { code: "QUERY_TOO_DEEP" } });
    expect(result.body.errors?.[0]?.message).toBe("query is 12 levels deep; at most 10 are allowed");
  });

  it("refuses a query selecting too many fields", async () => {
    const aliases = Array.from({ length: 1001 }, (_, i) => `a${i}: __typename`).join(" ");
    const result = await postGraphQL(masivo.baseUrl, masivo.bootstrapKey, { query: `{ ${aliases} }` });
    expect(result.body.errors?.[0]).toMatchObject({ extensions: { code: "QUERY_TOO_COSTLY" } });
  });
});
