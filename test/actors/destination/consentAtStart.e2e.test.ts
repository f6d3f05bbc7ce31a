import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  backfillConsentDenials,
  CUSTOMERS_COLLECTION,
  connectStore,
  createSecretBox,
  customerKey,
  integrationsRepository,
  type Store,
} from "../../../store/index.ts";
import { connectNats, ensureStreams, type NatsLink } from "../../../streams/index.ts";
import { accountFacts } from "../../support/changesFacts.ts";
import { dataSharingChange } from "../../support/consentChange.ts";
import { waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, TEST_MASTER_KEY, uniqueId } from "../../support/world.ts";
import { insertEchoIntegration } from "./echo/echoIntegration.ts";
import { startEchoSync } from "./echo/echoSync.ts";
import { createScriptedReceiver } from "./echo/scriptedReceiver.ts";

/**
 * Consent at a window's start comes from the store for customers whose window does not begin with
 * a profile change: the sync reads who denied its purpose once, at its start, and follows each
 * window's profile changes from there.
 */
let link: NatsLink;
let store: Store;
let partitions: number;

beforeAll(async () => {
  link = await connectNats(inject("natsUrl"), "consent-at-start-test");
  partitions = (await ensureStreams(link.nc, 4)).partitions;
  store = await connectStore(isolatedMongoUrl(uniqueId("db")));
});
afterAll(async () => {
  await store?.close();
  await link?.close();
});

describe("consent a window starts with", () => {
  it("is the store's for customers it knows, then what the windows' profile changes say", async () => {
    const account = uniqueId("acct");
    // Given two stored customers, one who denied the echo provider's purpose (ads), and one
    // customer of another account who denied it under the same id.
    const stored = (owner: string, customerId: string, ads: string) => ({
      _id: customerKey(owner, customerId),
      account: owner,
      customerId,
      deleted: false,
      consent: { ads },
    });
    await store.db
      .collection<{ _id: string }>(CUSTOMERS_COLLECTION)
      .insertMany([
        stored(account, "den", "DENIED"),
        stored(account, "ok", "GRANTED"),
        stored(uniqueId("other"), "ok", "DENIED"),
      ]);
    // Stored before the consent denials kept them: the backfill a destinations worker runs adds them.
    expect(await backfillConsentDenials(store)).toBe(2);
    const integrations = integrationsRepository(store.db);
    const integrationId = await insertEchoIntegration(store, createSecretBox(TEST_MASTER_KEY), account, "good-token");
    const integration = (await integrations.get(integrationId)) ?? expect.fail("not stored");
    const receiver = createScriptedReceiver("good-token");
    const sync = await startEchoSync({ link, store, partitions, integration, secret: "good-token", receiver });
    const { publish, tap: event } = accountFacts(link, account);
    const sent = () => new Set(receiver.arrivals.flatMap((call) => call.facts.map((fact) => fact.factId)));
    const arrived = (factId: string) => waitFor(`${factId} sent`, async () => (sent().has(factId) ? true : undefined));

    try {
      // When each taps (their windows start with the event: consent as the store had it).
      const hidden = await event("den");
      const shown = await event("ok");
      await arrived(shown);
      // A later window is planned after the first one's.
      await arrived(await event("ok"));
      expect(sent().has(hidden)).toBe(false);

      // When the customer who denied grants it, what follows is sent.
      const granted = dataSharingChange("UNKNOWN");
      await publish("den", {
        ...granted,
        data: { ...granted.data, consent: { ...granted.data.consent, ads: "GRANTED" } },
      });
      await arrived(await event("den"));
      expect(sent().has(hidden)).toBe(false);
    } finally {
      await sync.stop();
    }
  });
});
