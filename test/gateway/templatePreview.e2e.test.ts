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

describe("templates in the running program", () => {
  it("previews a template with the profile the customer actors stored", async () => {
    const customerId = "preview-1";
    await graphql("mutation($input: CustomerInput!) { upsertCustomer(input: $input) { accepted } }", {
      input: { customerId, email: "ana@example.com", firstName: "Ana", attributes: { points: 1250 } },
    });
    await waitFor("the customer to be stored", async () => {
      const data = await graphql<{ customer: { firstName: string | null } | null }>(
        "query($id: ID!) { customer(customerId: $id) { firstName } }",
        { id: customerId },
      );
      return data.customer?.firstName === "Ana" ? true : undefined;
    });
    const { createTemplate } = await graphql<{ createTemplate: { id: string; version: number } }>(
      "mutation($input: TemplateInput!) { createTemplate(input: $input) { id version } }",
      {
        input: {
          name: "points",
          channel: "IN_APP",
          inApp: { title: "{{ customer.firstName }}, you have {{ customer.attributes.points }} points" },
        },
      },
    );
    expect(createTemplate.version).toBe(1);
    const { renderTemplate } = await graphql<{ renderTemplate: unknown }>(
      "query($id: ID!, $customerId: ID!) { renderTemplate(id: $id, customerId: $customerId) { channel inApp { title } } }",
      { id: createTemplate.id, customerId },
    );
    expect(renderTemplate).toEqual({ channel: "IN_APP", inApp: { title: "Ana, you have 1250 points" } });
  });
});
