import { Kvm } from "@nats-io/kv";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  DESTINATION_PROVIDERS,
  type DestinationWorker,
  registerProvider,
  startDestinationWorker,
} from "../../../actors/destination/index.ts";
import { DESTINATION_LEASES_BUCKET } from "../../../actors/destination/worker.ts";
import { completeFact } from "../../../model/index.ts";
import { connectStore, createSecretBox, type Store } from "../../../store/index.ts";
import { connectNats, createCommandPublisher, ensureStreams, type NatsLink } from "../../../streams/index.ts";
import { publishToChanges } from "../../support/changesFacts.ts";
import { type CuttableProxy, startCuttableProxy } from "../../support/cuttableProxy.ts";
import { waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, TEST_MASTER_KEY, uniqueId } from "../../support/world.ts";
import { insertEchoIntegration } from "./echo/echoIntegration.ts";
import { createEchoProvider } from "./echo/echoProvider.ts";
import { createScriptedReceiver } from "./echo/scriptedReceiver.ts";

/**
 * Found by `npm run faults` (a store outage): the worker renewed its leases only after reading the
 * integrations from the store, so a store outage longer than a lease stopped every running sync
 * over nothing it could not go on with — and the stop cut its calls on the wire, sent again later.
 */
const LEASE_TTL_MS = 1_000;
const account = uniqueId("acct");
const secrets = createSecretBox(TEST_MASTER_KEY);
const receiver = createScriptedReceiver("good-token");
let link: NatsLink;
let proxy: CuttableProxy;
let store: Store;
let worker: DestinationWorker;
let integrationId: string;
/** How each reconnection of the store's client over a hung monitor went (undefined: it connected). */
const reconnects: unknown[] = [];

beforeAll(async () => {
  link = await connectNats(inject("natsUrl"), "store-outage-lease-test");
  const commands = createCommandPublisher({ link, partitions: (await ensureStreams(link.nc, 4)).partitions });
  const shared = new URL(inject("mongodbUrl"));
  proxy = await startCuttableProxy({ host: shared.hostname, port: Number(shared.port) });
  const url = new URL(isolatedMongoUrl(uniqueId("db")));
  url.host = new URL(proxy.url).host;
  store = await connectStore(url.toString(), { onReconnect: (error) => reconnects.push(error) });
  integrationId = await insertEchoIntegration(store, secrets, account, "good-token");
  worker = await startDestinationWorker({
    link,
    commands,
    store,
    secrets,
    log: pino({ level: "silent" }),
    pollMs: 50,
    leaseTtlMs: LEASE_TTL_MS,
    providers: { ...DESTINATION_PROVIDERS, echo: registerProvider(createEchoProvider(receiver)) },
  });
});
afterAll(async () => {
  proxy?.heal();
  await worker?.stop();
  await store?.close();
  await proxy?.close();
  await link?.close();
});

const publishEvent = async (n: number) => {
  const factId = `${account}:bea:event-${n}`;
  const at = new Date().toISOString();
  const fact = completeFact(
    {
      type: "event.recorded",
      data: { eventId: `e-${n}`, name: "tap", timestamp: at, properties: { n }, internal: false },
    },
    { account, customerId: "bea", factId, at, sourceSeq: n },
  );
  await publishToChanges(link, fact);
};
const deliveredEvents = () =>
  receiver.answered.flatMap(({ call, answer }) =>
    "status" in answer && answer.status === 200 ? call.facts.map((fact) => fact.factId) : [],
  );

describe("a destinations worker whose store goes away", () => {
  it("keeps its running syncs' leases through an outage longer than a lease, and syncs on after it", async () => {
    await waitFor("the sync running", async () => (worker.syncing() === 1 ? true : undefined));
    await publishEvent(1);
    await waitFor("the first event delivered", async () => (deliveredEvents().length === 1 ? true : undefined));

    const leases = await new Kvm(link.nc).open(DESTINATION_LEASES_BUCKET);
    const revisionAtCut = (await leases.get(integrationId))?.revision ?? 0;
    await proxy.cutAfter(0).then(
      () => undefined,
      () => undefined,
    );
    // Nudges the cut: any request to the store crosses it.
    void store.db.command({ ping: 1 }).catch(() => undefined);
    // Renewed 20 times (every 50 ms) while the store is out: well over a lease's lifetime.
    await waitFor("the lease renewed through the outage", async () => {
      const entry = await leases.get(integrationId);
      return entry && entry.operation === "PUT" && entry.revision >= revisionAtCut + 20 ? true : undefined;
    });
    expect(worker.syncing()).toBe(1);
    // The cut hangs the driver's monitor (the proxy closes in-use connections at once): the client
    // is connected again, which fails while the store is out, and is tried again until it is back.
    await waitFor("a reconnection tried while the store is out", async () =>
      reconnects.some((error) => error !== undefined) ? true : undefined,
    );
    expect(worker.syncing()).toBe(1);

    proxy.heal();
    await publishEvent(2);
    // The cut may have hung the driver's monitor: the store's client connects again (hungMonitor.ts).
    await waitFor(
      "the second event delivered",
      async () => (deliveredEvents().length === 2 ? true : undefined),
      45_000,
    );
    expect(deliveredEvents()).toEqual([`${account}:bea:event-1`, `${account}:bea:event-2`]);
  });
});
