import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { abandonedCart } from "../../support/abandonedCart.ts";
import { createTestAccount } from "../../support/gateways.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { postGraphQL, startTestMasivo } from "../../support/startTestMasivo.ts";
import { waitFor } from "../../support/streamReader.ts";
import { TEST_MASTER_KEY, TEST_ROOT_KEY, uniqueId } from "../../support/world.ts";

/**
 * The whole program on a nats-server of its own: a journey published over GraphQL reaches the
 * customer workers through the catalog, a customer enters it, and the stats tracker's counters
 * come back through `journey(id)`.
 */

let nats: PrivateNats;
let masivo: Awaited<ReturnType<typeof startTestMasivo>>;
let admin: string;

async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const { body } = await postGraphQL(masivo.baseUrl, admin, { query, variables });
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

beforeAll(async () => {
  nats = await startPrivateNats();
  masivo = await startTestMasivo({
    NATS_URL: nats.url,
    MASIVO_ROOT_KEY: TEST_ROOT_KEY,
    MASIVO_MASTER_KEY: TEST_MASTER_KEY,
  });
  admin = (await createTestAccount(masivo)).adminKey;
});
afterAll(async () => {
  await masivo?.stop();
  await nats?.close();
});

type Counters = { entered: number; active: number; steps: { stepId: string; active: number }[] };

describe("a journey published over GraphQL", () => {
  it("is entered by a customer's event, and its counters show the instance waiting", async () => {
    const { createTemplate } = await gql<{ createTemplate: { id: string } }>(
      "mutation($input: TemplateInput!) { createTemplate(input: $input) { id } }",
      { input: { name: "Cart", channel: "EMAIL", email: { subject: "Your cart", text: "Come back" } } },
    );
    const definition = abandonedCart(createTemplate.id);
    const { createJourney } = await gql<{ createJourney: { id: string } }>(
      "mutation($input: JourneyInput!) { createJourney(input: $input) { id } }",
      { input: { name: "Abandoned cart", definition } },
    );
    await gql("mutation($id: ID!) { publishJourney(id: $id) { status } }", { id: createJourney.id });

    const customerId = uniqueId("c");
    await gql("mutation($e: [EventInput!]!) { trackEvents(events: $e) { accepted } }", {
      e: [{ customerId, name: "cart_updated", properties: { cartId: "cart-1" } }],
    });

    const counted = await waitFor("the entry counted", async () => {
      const { journey } = await gql<{ journey: Counters }>(
        "query($id: ID!) { journey(id: $id) { entered active steps { stepId active } } }",
        { id: createJourney.id },
      );
      return journey.entered > 0 ? journey : undefined;
    });
    expect(counted).toMatchObject({ entered: 1, active: 1 });
    expect(counted.steps.find((step) => step.stepId === "wait")?.active).toBe(1);
  });
});
