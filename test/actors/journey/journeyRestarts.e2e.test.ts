import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeSmtp, relaySettings, startFakeSmtp } from "../../../fakes/smtp/index.ts";
import type { MasivoProcess } from "../../../faults/masivoProcess.ts";
import { startNatsServer } from "../../../stack/index.ts";
import { abandonedCart } from "../../support/abandonedCart.ts";
import { createTestAccount } from "../../support/gateways.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { startRoleProcess } from "../../support/roleProcess.ts";
import { postGraphQL, startTestMasivo } from "../../support/startTestMasivo.ts";
import { waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, TEST_MASTER_KEY, TEST_ROOT_KEY, uniqueId } from "../../support/world.ts";

/**
 * Journeys' waits survive what kills or restarts the parts that hold them: kill -9 of the
 * `customers` worker while customers wait, and a nats-server restart (which keeps its schedules),
 * still give exactly the sends the journey asks for — one reminder per cart not checked out, none
 * for the others. The customers worker runs as a process of its own (`node main.ts`), the rest of
 * Masivo in this one.
 */

const CARTS = 16;
let nats: PrivateNats;
let natsServer: { stop: () => Promise<void> };
let mongodbUrl: string;
let masivo: Awaited<ReturnType<typeof startTestMasivo>>;
let customers: MasivoProcess;
let smtp: FakeSmtp;

const startCustomersWorker = () => startRoleProcess("customers", { natsUrl: nats.url, mongodbUrl });

beforeAll(async () => {
  nats = await startPrivateNats();
  natsServer = nats;
  mongodbUrl = isolatedMongoUrl(uniqueId("db"));
  smtp = await startFakeSmtp({ messageLogSize: 10_000 });
  masivo = await startTestMasivo({
    NATS_URL: nats.url,
    MONGODB_URL: mongodbUrl,
    MASIVO_ROLES: "gateway,audiences,destinations,channels",
    MASIVO_ROOT_KEY: TEST_ROOT_KEY,
    MASIVO_MASTER_KEY: TEST_MASTER_KEY,
    MASIVO_ALLOW_LOCAL_DESTINATIONS: "1",
  });
  customers = await startCustomersWorker();
}, 120_000);

afterAll(async () => {
  if (customers?.running()) await customers.signal("SIGKILL");
  await masivo?.stop();
  await smtp?.close();
  await natsServer?.stop();
  await nats?.close();
});

/** An account with email, a live abandoned-cart journey timing out after `seconds`, and its carts. */
async function cartsWaiting(seconds: number) {
  const { adminKey } = await createTestAccount(masivo);
  const gql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const { body } = await postGraphQL(masivo.baseUrl, adminKey, { query, variables });
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data as T;
  };
  await gql("mutation($input: EmailSettingsInput!) { configureEmail(input: $input) { id } }", {
    input: relaySettings(smtp),
  });
  const { createTemplate } = await gql<{ createTemplate: { id: string } }>(
    "mutation($input: TemplateInput!) { createTemplate(input: $input) { id } }",
    { input: { name: "Cart", channel: "EMAIL", email: { subject: "Your cart", text: "Come back" } } },
  );
  const definition = abandonedCart(createTemplate.id, seconds);
  const { createJourney } = await gql<{ createJourney: { id: string } }>(
    "mutation($input: JourneyInput!) { createJourney(input: $input) { id } }",
    { input: { name: "Abandoned cart", definition } },
  );
  const journeyId = createJourney.id;
  await gql("mutation($id: ID!) { publishJourney(id: $id) { status } }", { id: journeyId });

  const shoppers = Array.from({ length: CARTS }, (_, i) => ({ customerId: uniqueId(`c${i}`), checksOut: i % 2 === 0 }));
  for (const { customerId } of shoppers) {
    await gql("mutation($input: CustomerInput!) { upsertCustomer(input: $input) { accepted } }", {
      input: { customerId, email: `${customerId}@example.com`, consent: { email: "GRANTED" } },
    });
  }
  await gql("mutation($e: [EventInput!]!) { trackEvents(events: $e) { accepted } }", {
    e: shoppers.flatMap(({ customerId, checksOut }) => [
      { customerId, name: "cart_updated", properties: { cartId: "cart" } },
      ...(checksOut ? [{ customerId, name: "checkout_completed", properties: { cartId: "cart" } }] : []),
    ]),
  });
  const counters = async () =>
    (
      await gql<{ journey: { entered: number; active: number } }>(
        "query($id: ID!) { journey(id: $id) { entered active } }",
        { id: journeyId },
      )
    ).journey;
  await waitFor("every cart entered", async () => ((await counters()).entered === CARTS ? true : undefined));
  return { shoppers, counters, gql };
}

/** Once no instance is active and every reminder is final: the emails each shopper got. */
async function remindersAfterwards(
  shoppers: { customerId: string; checksOut: boolean }[],
  counters: () => Promise<{ active: number }>,
  gql: <T>(query: string, variables?: Record<string, unknown>) => Promise<T>,
) {
  await waitFor("every wait over", async () => ((await counters()).active === 0 ? true : undefined), 90_000);
  for (const { customerId, checksOut } of shoppers) {
    if (checksOut) continue;
    await waitFor(`${customerId}'s reminder final`, async () => {
      const { messages } = await gql<{ messages: { edges: { node: { status: string } }[] } }>(
        "query($c: ID!) { messages(customerId: $c) { edges { node { status } } } }",
        { c: customerId },
      );
      const nodes = messages.edges.map((edge) => edge.node);
      return nodes.length > 0 && nodes.every((node) => node.status === "SENT") ? true : undefined;
    });
  }
  return shoppers.map(({ customerId, checksOut }) => ({
    checksOut,
    emails: smtp.state.messages().filter((mail) => mail.envelope.rcptTo.includes(`${customerId}@example.com`)).length,
  }));
}

describe("waits that outlive their process", () => {
  it("kill -9 of the customers worker while carts wait: one reminder per cart left, none for carts bought", async () => {
    const { shoppers, counters, gql } = await cartsWaiting(6);
    await customers.signal("SIGKILL");
    customers = await startCustomersWorker();
    const got = await remindersAfterwards(shoppers, counters, gql);
    expect(got).toEqual(shoppers.map(({ checksOut }) => ({ checksOut, emails: checksOut ? 0 : 1 })));
  }, 180_000);

  it("a nats-server restart while carts wait keeps their schedules: one reminder per cart left, none for carts bought", async () => {
    const { shoppers, counters, gql } = await cartsWaiting(6);
    await natsServer.stop();
    natsServer = await startNatsServer({ dataDir: nats.dataDir, port: nats.port, log: () => {} });
    const got = await remindersAfterwards(shoppers, counters, gql);
    expect(got).toEqual(shoppers.map(({ checksOut }) => ({ checksOut, emails: checksOut ? 0 : 1 })));
  }, 180_000);
});
