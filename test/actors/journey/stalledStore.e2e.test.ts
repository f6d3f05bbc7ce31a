import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { JourneyChangedData } from "../../../model/index.ts";
import { type MongoServer, startMongoServer } from "../../../stack/index.ts";
import {
  connectNats,
  createCommandPublisher,
  decodeFact,
  type NatsLink,
  readStreamLayout,
  STREAM_NAMES,
  subjects,
} from "../../../streams/index.ts";
import { createTestAccount } from "../../support/gateways.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { postGraphQL, startTestMasivo } from "../../support/startTestMasivo.ts";
import { readStream, waitFor } from "../../support/streamReader.ts";
import { TEST_MASTER_KEY, TEST_ROOT_KEY, uniqueId } from "../../support/world.ts";

/**
 * A durable timer does not wait for the store: the alarm is armed once the customer's entry is
 * decided and its facts published (the commands in INGEST make that state durable), so a wait
 * times out on time while the customer's document is still on its way to a store that has
 * stalled. The store is a server of this file's own, frozen with SIGSTOP by its pid.
 */

const WAIT_SECONDS = 2;
let nats: PrivateNats;
let link: NatsLink;
let storeDir: string;
let store: MongoServer;
let masivo: Awaited<ReturnType<typeof startTestMasivo>>;

beforeAll(async () => {
  nats = await startPrivateNats();
  link = await connectNats(nats.url, "stalled-store-test");
  storeDir = await mkdtemp(join(inject("privateServersDir"), "store-"));
  store = await startMongoServer({ dataDir: storeDir, log: () => {} });
  const mongodbUrl = new URL(store.url);
  mongodbUrl.pathname = `/${uniqueId("db")}`;
  masivo = await startTestMasivo({
    NATS_URL: nats.url,
    MONGODB_URL: mongodbUrl.toString(),
    MASIVO_ROLES: "gateway,customers",
    MASIVO_ROOT_KEY: TEST_ROOT_KEY,
    MASIVO_MASTER_KEY: TEST_MASTER_KEY,
  });
}, 120_000);

afterAll(async () => {
  if (store) process.kill(store.pid, "SIGCONT");
  await masivo?.stop();
  await store?.stop();
  await link?.close();
  await nats?.close();
  if (storeDir) await rm(storeDir, { recursive: true, force: true });
});

/** The journey facts CHANGES holds for a customer, in order. */
async function journeyFacts(account: string, customerId: string): Promise<JourneyChangedData[]> {
  const messages = await readStream(link, STREAM_NAMES.changes, subjects.change(account, "journey"));
  return messages
    .map((message) => decodeFact(message.data))
    .flatMap((fact) => (fact.type === "journey.changed" && fact.metadata.customerId === customerId ? [fact.data] : []));
}

describe("durable timers while the store stalls", () => {
  it("given a customer waiting and the store frozen, when the wait's deadline comes, then the wait times out on time and the document catches up once the store is back", async () => {
    const { account, adminKey } = await createTestAccount(masivo);
    const gql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
      const { body } = await postGraphQL(masivo.baseUrl, adminKey, { query, variables });
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data as T;
    };
    const { createJourney } = await gql<{ createJourney: { id: string } }>(
      "mutation($input: JourneyInput!) { createJourney(input: $input) { id } }",
      {
        input: {
          name: "Waits",
          definition: {
            entry: { type: "event", event: "signed_up" },
            start: "wait",
            steps: {
              wait: {
                type: "waitFor",
                event: "never_sent",
                timeoutSeconds: WAIT_SECONDS,
                next: "answered",
                timeoutNext: "timedOut",
              },
              answered: { type: "exit" },
              timedOut: { type: "exit" },
            },
          },
        },
      },
    );
    await gql("mutation($id: ID!) { publishJourney(id: $id) { status } }", { id: createJourney.id });
    const layout = await readStreamLayout(link.nc);
    const commands = createCommandPublisher({ link, partitions: layout?.partitions ?? 32 });
    // The customer known and in its actor's memory, so the entry is decided without reading the store.
    const customerId = uniqueId("c");
    await gql("mutation($input: CustomerInput!) { upsertCustomer(input: $input) { accepted } }", {
      input: { customerId, firstName: "Ana" },
    });
    await waitFor(`customer ${customerId} stored`, async () => {
      const { customer } = await gql<{ customer: { customerId: string } | null }>(
        "query($c: ID!) { customer(customerId: $c) { customerId } }",
        { c: customerId },
      );
      return customer ?? undefined;
    });

    process.kill(store.pid, "SIGSTOP");
    try {
      await commands.publish([
        { type: "event.track", data: { name: "signed_up", properties: {} }, metadata: { account, customerId } },
      ]);
      const facts = await waitFor(
        "the wait to time out",
        async () => {
          const found = await journeyFacts(account, customerId);
          return found.some((fact) => fact.change === "COMPLETED") ? found : undefined;
        },
        20_000,
      );
      expect(facts.map(({ change, stepId }) => `${change} ${stepId}`)).toEqual([
        "ENTERED wait",
        "STEPPED timedOut",
        "COMPLETED timedOut",
      ]);
      const [entered, timedOut] = facts;
      const deadline = Date.parse(entered?.at ?? "") + WAIT_SECONDS * 1_000;
      expect(Date.parse(timedOut?.at ?? "")).toBeGreaterThanOrEqual(deadline);
    } finally {
      process.kill(store.pid, "SIGCONT");
    }

    const stored = await waitFor("the customer's document with its ended instance", async () => {
      const { customer } = await gql<{ customer: { journeys: { status: string; stepId: string }[] } | null }>(
        "query($c: ID!) { customer(customerId: $c) { journeys { status stepId } } }",
        { c: customerId },
      );
      const journeys = customer?.journeys ?? [];
      return journeys.length > 0 && journeys.every(({ status }) => status !== "ACTIVE") ? journeys : undefined;
    });
    expect(stored).toEqual([{ status: "COMPLETED", stepId: "timedOut" }]);
  }, 120_000);
});
