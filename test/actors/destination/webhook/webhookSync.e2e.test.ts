import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type DestinationWorker,
  destinationProviders,
  startDestinationWorker,
} from "../../../../actors/destination/index.ts";
import type { CustomerFactDraft } from "../../../../model/index.ts";
import {
  connectStore,
  createSecretBox,
  integrationsRepository,
  rotatedWebhookSecrets,
  type Store,
  type WebhookSettings,
  webhooksRepository,
} from "../../../../store/index.ts";
import { connectNats, createCommandPublisher, ensureStreams, type NatsLink } from "../../../../streams/index.ts";
import { accountFacts } from "../../../support/changesFacts.ts";
import { dataSharingChange } from "../../../support/consentChange.ts";
import { waitFor } from "../../../support/streamReader.ts";
import { isolatedMongoUrl, TEST_MASTER_KEY, uniqueId } from "../../../support/world.ts";
import { type Received, startWebhookReceiver, type WebhookReceiver } from "./webhookReceiver.ts";

/**
 * Webhooks through the real worker, the generic sync and a real nats-server: two endpoints of one
 * account, each a receiver on loopback that verifies every delivery with `standardwebhooks`.
 */
const account = uniqueId("acct");
const secrets = createSecretBox(TEST_MASTER_KEY);
const secretOf = (name: string) => `whsec_${Buffer.from(`secret of ${name}`.padEnd(32, ".")).toString("base64")}`;
let link: NatsLink;
let store: Store;
let worker: DestinationWorker;
let first: WebhookReceiver;
/** The secrets the first receiver verifies with: its own, and after a rotation the new one too. */
const firstSecrets = [secretOf("first")];
let second: WebhookReceiver;
let firstId: string;
let secondId: string;

async function createWebhook(receiver: WebhookReceiver, name: string, settings: Partial<WebhookSettings> = {}) {
  const webhook = await webhooksRepository(store.db).create(
    account,
    { url: receiver.url, kinds: ["EVENT", "DELETED", "MEMBERSHIP"], enabled: true, ...settings },
    secrets.seal(JSON.stringify({ keys: [{ key: secretOf(name) }] })),
  );
  return webhook._id;
}

beforeAll(async () => {
  link = await connectNats(inject("natsUrl"), "webhook-sync-test");
  facts = accountFacts(link, account);
  const layout = await ensureStreams(link.nc, 4);
  store = await connectStore(isolatedMongoUrl(uniqueId("db")));
  first = await startWebhookReceiver(firstSecrets);
  second = await startWebhookReceiver([secretOf("second")]);
  firstId = await createWebhook(first, "first");
  secondId = await createWebhook(second, "second", { kinds: ["EVENT"] });
  worker = await startDestinationWorker({
    link,
    store,
    secrets,
    commands: createCommandPublisher({ link, partitions: layout.partitions }),
    log: pino({ level: "silent" }),
    pollMs: 100,
    providers: destinationProviders({ allowLocalDestinations: true }),
    tuning: { webhook: { flushDelayMs: 20, callTimeoutMs: 5_000, backoff: { maxMs: 50 } } },
  });
});
afterAll(async () => {
  await worker?.stop();
  await first?.close();
  await second?.close();
  await store?.close();
  await link?.close();
});

/** The account's facts in CHANGES, once connected. */
let facts: ReturnType<typeof accountFacts>;
const publish = (customerId: string, draft: CustomerFactDraft) => facts.publish(customerId, draft);
const event = (customerId: string) => facts.tap(customerId);
const dataSharing = (customerId: string, value: "GRANTED" | "DENIED") => publish(customerId, dataSharingChange(value));
const deliveriesOf = (receiver: WebhookReceiver, factId: string) =>
  receiver.received.filter((delivery) => delivery.headers["webhook-id"] === factId);
const bodyOf = (delivery: Received | undefined) => (delivery ? JSON.parse(delivery.body) : undefined);
const arrived = (receiver: WebhookReceiver, factId: string) =>
  waitFor(`${factId} at the receiver`, async () => deliveriesOf(receiver, factId).at(-1));

describe("webhooks through the destination worker", () => {
  it("delivers one signed call per fact, of the kinds each endpoint picked", async () => {
    const tapped = await event("ann");
    const entered = await publish("ann", {
      type: "membership.changed",
      data: { audienceId: "aud-1", audienceName: "vip", change: "ENTERED", at: new Date().toISOString() },
    });
    const toFirst = await arrived(first, entered);
    await arrived(second, tapped);
    expect(bodyOf(toFirst)).toMatchObject({
      type: "membership.entered",
      data: { customerId: "ann", audienceId: "aud-1" },
    });
    expect(bodyOf(deliveriesOf(first, tapped)[0])).toMatchObject({ type: "event.tracked", data: { name: "tap" } });
    // The second endpoint picked events alone.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(deliveriesOf(second, entered)).toHaveLength(0);
    for (const delivery of [...first.received, ...second.received]) expect(delivery.verifiedBy).toHaveLength(1);
  });

  it("delivers once after a 500, with the same webhook-id on both tries", async () => {
    const failedOnce = new Set<string>();
    first.state.answer = (delivery) => {
      const id = delivery.headers["webhook-id"] ?? "";
      if (!id.includes(":bob:") || failedOnce.has(id)) return 200;
      failedOnce.add(id);
      return 500;
    };
    const factId = await event("bob");
    await waitFor("the second try", async () => (deliveriesOf(first, factId).length === 2 ? true : undefined));
    // Bob's deliveries go one after another: once a later one of his is through, nothing more of
    // the first is on its way.
    const later = await event("bob");
    await waitFor("bob's later fact", async () => (deliveriesOf(first, later).length === 2 ? true : undefined));
    expect(deliveriesOf(first, factId).map((delivery) => delivery.verifiedBy.length)).toEqual([1, 1]);
    expect(deliveriesOf(first, factId)).toHaveLength(2);
    first.state.answer = () => 200;
  });

  it("leaves out a customer who denied data sharing, but not their deletion", async () => {
    await dataSharing("ned", "DENIED");
    const hidden = await event("ned");
    const deleted = await publish("ned", { type: "customer.deleted", data: {} });
    const shown = await event("amy");
    expect(bodyOf(await arrived(first, deleted))).toMatchObject({
      type: "customer.deleted",
      data: { customerId: "ned" },
    });
    await arrived(first, shown);
    expect(deliveriesOf(first, hidden)).toHaveLength(0);
  });

  it("keeps delivering to one endpoint while another hangs", async () => {
    first.state.answer = () => "hang";
    const held = await event("cy");
    const hung = await arrived(first, held);
    const meanwhile = await event("dee");
    await arrived(second, meanwhile);
    // Delivered while the first endpoint's try still hangs: it waited for no answer of the other's.
    expect(first.hanging.has(hung)).toBe(true);
    first.state.answer = () => 200;
    // The hung try timed out and was tried again.
    await waitFor(
      "cy's event answered",
      async () => (deliveriesOf(first, held).length >= 2 ? true : undefined),
      15_000,
    );
  });

  it("replays from a time: the facts since then again, with the webhook-ids they had", async () => {
    const before = await event("fay");
    await arrived(first, before);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const since = new Date();
    const after = await event("fay");
    await arrived(first, after);
    await webhooksRepository(store.db).requestReplay(account, firstId, since);
    await waitFor("the replayed fact", async () => (deliveriesOf(first, after).length === 2 ? true : undefined));
    expect(deliveriesOf(first, after).map((delivery) => delivery.body)).toEqual([
      deliveriesOf(first, after)[0]?.body,
      deliveriesOf(first, after)[0]?.body,
    ]);
    expect(deliveriesOf(first, before)).toHaveLength(1);
    // Recorded as started: the sync goes on from what it acked, not from that time again.
    await waitFor("the replay recorded", async () =>
      (await webhooksRepository(store.db).get(account, firstId))?.replay === undefined ? true : undefined,
    );
    const later = await event("fay");
    await arrived(first, later);
    expect(deliveriesOf(first, after)).toHaveLength(2);
  });

  it("signs with both secrets once rotated, so a receiver holding either verifies", async () => {
    const rotated = rotatedWebhookSecrets(
      { keys: [{ key: secretOf("first") }] },
      secretOf("first, rotated"),
      new Date(),
    );
    firstSecrets.push(secretOf("first, rotated"));
    await webhooksRepository(store.db).replaceSecret(account, firstId, secrets.seal(JSON.stringify(rotated)));
    // A window read after the change is left to the sync the worker restarts with the new secrets.
    const factId = await event("gus");
    const delivery = await arrived(first, factId);
    expect(delivery.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(delivery.verifiedBy).toEqual([secretOf("first"), secretOf("first, rotated")]);
  });

  it("disables an endpoint that answers 410 Gone, saying why, and resumes it once updated", async () => {
    second.state.answer = () => 410;
    const goneFact = await event("eve");
    const integrations = integrationsRepository(store.db);
    const stopped = await waitFor("the second endpoint stopped", async () => {
      const found = await integrations.get(secondId);
      return found?.status === "DISABLED" ? found : undefined;
    });
    expect(stopped.lastError).toBe(
      "Webhook: 410 Gone: the endpoint asked to receive no more; updateWebhook resumes it",
    );
    expect((await integrations.get(firstId))?.status).toBe("HEALTHY");
    // Its backlog was kept: updated, it gets the fact it answered 410 to.
    second.state.answer = () => 200;
    const webhooks = webhooksRepository(store.db);
    const current = (await webhooks.get(account, secondId)) ?? expect.fail("gone");
    await webhooks.update(account, secondId, current.settings);
    await waitFor("the fact delivered after the update", async () =>
      deliveriesOf(second, goneFact).length === 2 && (await integrations.get(secondId))?.status === "HEALTHY"
        ? true
        : undefined,
    );
    // Every delivery of this file, to either endpoint, verified with a secret in force.
    for (const delivery of [...first.received, ...second.received])
      expect(delivery.verifiedBy.length).toBeGreaterThan(0);
  });
});
