import { jetstream } from "@nats-io/jetstream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { registerProvider } from "../../../actors/destination/providers.ts";
import { createRollingLimiter } from "../../../actors/destination/rollingLimiter.ts";
import { type CustomerFactDraft, completeFact } from "../../../model/index.ts";
import {
  CUSTOMERS_COLLECTION,
  connectStore,
  createSecretBox,
  customerIdPages,
  customerKey,
  customersDenying,
  integrationsRepository,
  type Store,
  syncLogRepository,
} from "../../../store/index.ts";
import {
  connectNats,
  createCommandPublisher,
  encodeFact,
  ensureStreams,
  factSubject,
  type NatsLink,
} from "../../../streams/index.ts";
import { dataSharingChange } from "../../support/consentChange.ts";
import { waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, TEST_MASTER_KEY, uniqueId } from "../../support/world.ts";
import { insertEchoIntegration } from "./echo/echoIntegration.ts";
import { createEchoProvider } from "./echo/echoProvider.ts";
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
    const integrations = integrationsRepository(store.db);
    const integrationId = await insertEchoIntegration(store, createSecretBox(TEST_MASTER_KEY), account, "good-token");
    const integration = (await integrations.get(integrationId)) ?? expect.fail("not stored");
    const receiver = createScriptedReceiver("good-token");
    const sync = await registerProvider(createEchoProvider(receiver)).start({
      link,
      integration,
      secret: "good-token",
      integrations,
      syncLog: syncLogRepository(store.db),
      customersDenying: customersDenying(store.db),
      customerIds: customerIdPages(store.db),
      commands: createCommandPublisher({ link, partitions }),
      audienceNames: async () => new Map(),
      limiterFor: (_, limits) => createRollingLimiter({ limit: limits.callsPerWindow, windowMs: limits.windowMs }),
      now: Date.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      log: pino({ level: "silent" }),
      holds: () => true,
    });
    let counter = 0;
    const publish = async (customerId: string, draft: CustomerFactDraft) => {
      counter += 1;
      const factId = `${account}:${customerId}:${counter}`;
      const at = new Date().toISOString();
      const fact = completeFact(draft, { account, customerId, factId, at, sourceSeq: counter });
      await jetstream(link.nc).publish(factSubject(fact), encodeFact(fact), { msgID: factId });
      return factId;
    };
    const event = (customerId: string) =>
      publish(customerId, {
        type: "event.recorded",
        data: {
          eventId: `e-${counter}`,
          name: "tap",
          timestamp: new Date().toISOString(),
          properties: {},
          internal: false,
        },
      });
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
