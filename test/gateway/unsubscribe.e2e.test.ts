import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveUnsubscribeKey, unsubscribeUrl } from "../../model/index.ts";
import { createTestAccount, startGateways, type TestGateway } from "../support/gateways.ts";
import { postGraphQL } from "../support/startTestMasivo.ts";
import { waitFor } from "../support/streamReader.ts";
import { TEST_MASTER_KEY, uniqueId } from "../support/world.ts";

let masivo: TestGateway;
let account: { account: string; adminKey: string };
const key = deriveUnsubscribeKey(TEST_MASTER_KEY);

beforeAll(async () => {
  [masivo] = (await startGateways(1, { MASIVO_ROLES: "gateway,customers", MASIVO_MASTER_KEY: TEST_MASTER_KEY })) as [
    TestGateway,
  ];
  account = await createTestAccount(masivo);
});
afterAll(async () => {
  await masivo?.stop();
});

async function emailConsent(customerId: string): Promise<string | undefined> {
  const result = await postGraphQL(masivo.baseUrl, account.adminKey, {
    query: "query($c: ID!) { customer(customerId: $c) { consent { email } } }",
    variables: { c: customerId },
  });
  return (result.body.data as { customer: { consent: { email: string } } | null } | undefined)?.customer?.consent.email;
}

describe("unsubscribing through the gateway", () => {
  it("shows a page on GET, and on a one-click POST the customer's email consent becomes DENIED", async () => {
    const customerId = uniqueId("c");
    const upserted = await postGraphQL(masivo.baseUrl, account.adminKey, {
      query: "mutation($input: CustomerInput!) { upsertCustomer(input: $input) { accepted } }",
      variables: { input: { customerId, email: "ana@example.com", consent: { email: "GRANTED" } } },
    });
    expect(upserted.body.errors).toBeUndefined();
    await waitFor("the customer's consent GRANTED", async () =>
      (await emailConsent(customerId)) === "GRANTED" ? true : undefined,
    );

    const url = unsubscribeUrl(masivo.baseUrl, key, { account: account.account, customerId });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    expect(await emailConsent(customerId)).toBe("GRANTED");

    const posted = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(posted.status).toBe(200);
    await waitFor("the customer's consent DENIED", async () =>
      (await emailConsent(customerId)) === "DENIED" ? true : undefined,
    );
  });

  it("answers 404 to a token signed with another key", async () => {
    const forged = unsubscribeUrl(masivo.baseUrl, deriveUnsubscribeKey("another-master-key-0123456789abcdef0123"), {
      account: account.account,
      customerId: "c-1",
    });
    const response = await fetch(forged, { method: "POST", body: "List-Unsubscribe=One-Click" });
    expect(response.status).toBe(404);
    expect(await response.text()).toBe("");
  });
});
