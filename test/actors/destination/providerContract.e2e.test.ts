import { jetstreamManager } from "@nats-io/jetstream";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  DESTINATION_PROVIDERS,
  type DestinationWorker,
  type RegisteredProvider,
  registerProvider,
  startDestinationWorker,
} from "../../../actors/destination/index.ts";
import { consumerName } from "../../../actors/destination/integrationConsumer.ts";
import { destinationMetrics } from "../../../app/roleMetrics.ts";
import { type CustomerFactDraft, completeFact } from "../../../model/index.ts";
import {
  connectStore,
  createSecretBox,
  type IntegrationStatus,
  integrationsRepository,
  type Store,
  syncLogRepository,
} from "../../../store/index.ts";
import {
  connectNats,
  createCommandPublisher,
  ensureStreams,
  type NatsLink,
  STREAM_NAMES,
} from "../../../streams/index.ts";
import { publishToChanges } from "../../support/changesFacts.ts";
import { waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, TEST_MASTER_KEY, uniqueId } from "../../support/world.ts";
import { insertEchoIntegration } from "./echo/echoIntegration.ts";
import { createEchoProvider, type EchoCall } from "./echo/echoProvider.ts";
import { createScriptedReceiver } from "./echo/scriptedReceiver.ts";

/**
 * A provider written against the contract alone (echo/) runs through the real generic sync, the
 * real worker and a real nats-server: registering it is one line (`echo: registerProvider(…)`),
 * and windows, each customer's order, consent, retries, partial failures, the sync log and the
 * integration's status are handled without a line of it.
 */
const account = uniqueId("acct");
const integrationId = `echo_${account}`;
const secrets = createSecretBox(TEST_MASTER_KEY);
let link: NatsLink;
let store: Store;
let worker: DestinationWorker;

const receiver = createScriptedReceiver("good-token");
/** An integration of a kind of its own is written as its configuration would write it (no mutation exists for it). */
const integrationsCollection = () => store.db.collection<{ _id: string } & Record<string, unknown>>("integrations");
const { arrivals, answered: received } = receiver;

/** The integrations store as the sync writes statuses to it: unreachable while `down`; every write tried, in order. */
const statusStore = { down: false, tried: [] as { status: IntegrationStatus; stored: boolean }[] };
const echo = registerProvider(createEchoProvider(receiver));
const echoWithStatusStore: RegisteredProvider = {
  ...echo,
  start: (deps) =>
    echo.start({
      ...deps,
      integrations: {
        ...deps.integrations,
        async setStatus(id, status, lastError) {
          statusStore.tried.push({ status, stored: !statusStore.down });
          if (statusStore.down) throw new Error("connect ECONNREFUSED (the store is down)");
          await deps.integrations.setStatus(id, status, lastError);
        },
      },
    }),
};
/** The statuses stored since the `from`th write tried. */
const storedStatuses = (from: number) =>
  statusStore.tried
    .slice(from)
    .filter(({ stored }) => stored)
    .map(({ status }) => status);

beforeAll(async () => {
  link = await connectNats(inject("natsUrl"), "provider-contract-test");
  const layout = await ensureStreams(link.nc, 4);
  store = await connectStore(isolatedMongoUrl(uniqueId("db")));
  await insertEchoIntegration(store, secrets, account, "good-token");
  worker = await startDestinationWorker({
    link,
    store,
    secrets,
    commands: createCommandPublisher({ link, partitions: layout.partitions }),
    log: pino({ level: "silent" }),
    pollMs: 100,
    providers: { ...DESTINATION_PROVIDERS, echo: echoWithStatusStore },
  });
});
afterAll(async () => {
  await worker?.stop();
  await store?.close();
  await link?.close();
});

let counter = 0;
/** Publishes a fact of `customerId` to CHANGES, as the customer actor would; its factId, known beforehand. */
async function publish(customerId: string, key: string, draft: CustomerFactDraft): Promise<string> {
  counter += 1;
  const factId = factIdOf(customerId, key);
  const at = new Date().toISOString();
  await publishToChanges(link, completeFact(draft, { account, customerId, factId, at, sourceSeq: counter }));
  return factId;
}
const factIdOf = (customerId: string, key: string) => `${account}:${customerId}:${key}`;
const event = (customerId: string, n: number) =>
  publish(customerId, `event-${n}`, {
    type: "event.recorded",
    data: {
      eventId: `e-${customerId}-${n}`,
      name: "tap",
      timestamp: new Date().toISOString(),
      properties: { n },
      internal: false,
    },
  });
const adsConsent = (customerId: string, ads: "GRANTED" | "DENIED") =>
  publish(customerId, `consent-${counter}`, {
    type: "customer.profileChanged",
    data: {
      profile: {},
      attributes: {},
      consent: { email: "UNKNOWN", push: "UNKNOWN", whatsapp: "UNKNOWN", sms: "UNKNOWN", ads, dataSharing: "GRANTED" },
      identified: true,
      created: false,
      changed: ["consent"],
    },
  });

/** The facts the receiver accepted (answered 2xx and not refused), in the order it got them. */
const delivered = (customerId?: string) =>
  received.flatMap(({ call, answer }) =>
    "status" in answer && answer.status < 300 && (customerId === undefined || call.customers[0] === customerId)
      ? call.facts.filter((f) => !answer.refused?.includes(f.factId))
      : [],
  );
/** Every time the receiver got the fact, whatever it answered. */
const timesReceived = (factId: string) =>
  received.filter(({ call }) => call.facts.some((f) => f.factId === factId)).length;

const integration = async () => (await integrationsRepository(store.db).get(integrationId)) ?? expect.fail("gone");

/** Resolves once the consumer has nothing pending nor unacked: every window published so far is finished. */
async function allAcked() {
  const jsm = await jetstreamManager(link.nc);
  await waitFor("every window acked", async () => {
    const info = await jsm.consumers.info(STREAM_NAMES.changes, consumerName(integrationId));
    return info.num_pending + info.num_ack_pending === 0 ? true : undefined;
  });
}

describe("a provider written against the destination contract", () => {
  it("gets its facts in windows, each customer's in stream order even when one of its calls is slow", async () => {
    receiver.slowFor.set("ann", 500);
    const published: Record<string, string[]> = { ann: [], bob: [], cy: [] };
    for (let n = 0; n < 24; n++) {
      const customerId = ["ann", "bob", "cy"][n % 3] ?? "ann";
      published[customerId]?.push(await event(customerId, n));
    }
    await waitFor("24 facts delivered", async () => (delivered().length === 24 ? true : undefined));
    for (const customerId of ["ann", "bob", "cy"]) {
      expect(
        delivered(customerId).map((f) => f.factId),
        customerId,
      ).toEqual(published[customerId]);
    }
    const calls = received.map(({ call }) => call);
    // Windows of at most 10 facts: ann's 8 facts came in more than one call, each about her alone.
    expect(Math.max(...calls.map((call) => call.facts.length))).toBeLessThanOrEqual(10);
    expect(calls.filter((call) => call.customers[0] === "ann").length).toBeGreaterThan(1);
    // While ann's first call was held, calls that arrived after it were answered.
    const annFirst = arrivals.find((call) => call.customers[0] === "ann");
    const answeredBefore = received.slice(
      0,
      received.findIndex(({ call }) => call === annFirst),
    );
    expect(answeredBefore.some(({ call }) => arrivals.indexOf(call) > arrivals.indexOf(annFirst as EchoCall))).toBe(
      true,
    );
    await allAcked();
  });

  it("sends nothing of a customer who denied its consent purpose but their deletion, across windows", async () => {
    // ned denies ads within the window; ola denies it in one window and acts in the next.
    await adsConsent("ned", "DENIED");
    const nedEvent = await event("ned", 1);
    const amyEvent = await event("amy", 1);
    const nedDeleted = await publish("ned", "deleted", { type: "customer.deleted", data: {} });
    await adsConsent("ola", "DENIED");
    await waitFor("amy's event", async () => (delivered("amy").length === 1 ? true : undefined));
    await allAcked();
    const olaEvent = await event("ola", 1);
    const amyLater = await event("amy", 2);
    await waitFor("amy's second event", async () => (delivered("amy").length === 2 ? true : undefined));
    await allAcked();
    expect(delivered("amy").map((f) => f.factId)).toEqual([amyEvent, amyLater]);
    expect(delivered("ned").map((f) => f.factId)).toEqual([nedDeleted]);
    expect(timesReceived(nedEvent) + timesReceived(olaEvent)).toBe(0);
    // Profile changes are not among the facts it wants: they only carried consent.
    expect(received.flatMap(({ call }) => call.facts).some((f) => f.type === "customer.profileChanged")).toBe(false);
  });

  it("retries through an outage, DEGRADED meanwhile and HEALTHY after, delivering each fact once", async () => {
    receiver.failing = true;
    const rui = await event("rui", 1);
    await waitFor("DEGRADED", async () => ((await integration()).status === "DEGRADED" ? true : undefined));
    expect((await integration()).lastError).toMatch(/503/);
    receiver.failing = false;
    await waitFor("rui's event", async () => (delivered("rui").length === 1 ? true : undefined));
    await waitFor("HEALTHY", async () => ((await integration()).status === "HEALTHY" ? true : undefined));
    expect(timesReceived(rui)).toBeGreaterThan(1);
    expect(delivered("rui").map((f) => f.factId)).toEqual([rui]);
  });

  it("stays DEGRADED while any window still retries, though a later window's retried call was answered", async () => {
    const from = statusStore.tried.length;
    receiver.failFor.set("ava", Number.POSITIVE_INFINITY);
    const ava = await event("ava", 1);
    await waitFor("DEGRADED", async () => ((await integration()).status === "DEGRADED" ? true : undefined));
    // ben's fact comes in a later window, handled while ava's is still retrying.
    receiver.failFor.set("ben", 1);
    const ben = await event("ben", 1);
    await waitFor("ben's event", async () => (delivered("ben").length === 1 ? true : undefined));
    expect(timesReceived(ben)).toBe(2);
    receiver.failFor.delete("ava");
    await waitFor("ava's event", async () => (delivered("ava").length === 1 ? true : undefined));
    await waitFor("HEALTHY", async () => ((await integration()).status === "HEALTHY" ? true : undefined));
    await allAcked();
    expect(delivered("ava").map((f) => f.factId)).toEqual([ava]);
    // HEALTHY only once nothing retried any more: never in between.
    expect(storedStatuses(from)).toEqual(["DEGRADED", "HEALTHY"]);
  });

  it("keeps syncing when its status cannot be stored during retries, and stores it once the store is back", async () => {
    const from = statusStore.tried.length;
    statusStore.down = true;
    receiver.failFor.set("dee", Number.POSITIVE_INFINITY);
    const dee = await event("dee", 1);
    await waitFor("a status write refused, and tried again", async () =>
      statusStore.tried.slice(from).filter(({ stored }) => !stored).length >= 2 ? true : undefined,
    );
    // Other customers' facts go on meanwhile (an unhandled rejection would have ended the process).
    const eve = await event("eve", 1);
    await waitFor("eve's event", async () => (delivered("eve").length === 1 ? true : undefined));
    expect(delivered("eve").map((f) => f.factId)).toEqual([eve]);

    statusStore.down = false;
    await waitFor("DEGRADED stored", async () => ((await integration()).status === "DEGRADED" ? true : undefined));
    expect((await integration()).lastError).toMatch(/503/);
    receiver.failFor.delete("dee");
    await waitFor("dee's event", async () => (delivered("dee").length === 1 ? true : undefined));
    await waitFor("HEALTHY", async () => ((await integration()).status === "HEALTHY" ? true : undefined));
    await allAcked();
    expect(delivered("dee").map((f) => f.factId)).toEqual([dee]);
    expect(storedStatuses(from)).toEqual(["DEGRADED", "HEALTHY"]);
  });

  it("logs the items refused in a partial failure, and resends nothing", async () => {
    receiver.refuse.add(factIdOf("sam", "event-2"));
    const first = await event("sam", 1);
    const refused = await event("sam", 2);
    const third = await event("sam", 3);
    const log = await waitFor("the refused fact in the sync log", async () => {
      const entries = await syncLogRepository(store.db).page(account, integrationId, 10);
      return entries.length > 0 ? entries : undefined;
    });
    expect(log.map(({ customerId, item, factId, message }) => ({ customerId, item, factId, message }))).toEqual([
      { customerId: "sam", item: "event.recorded", factId: refused, message: "refused by echo" },
    ]);
    await allAcked();
    expect(delivered("sam").map((f) => f.factId)).toEqual([first, third]);
    expect([first, refused, third].map(timesReceived)).toEqual([1, 1, 1]);
  });

  it("tells its consumer lag on /metrics: the facts not acked yet, 0 once they are", async () => {
    const registry = new Registry();
    destinationMetrics(registry).watch(worker);
    const lag = async () => {
      const text = await registry.metrics();
      const line = new RegExp(`^masivo_destination_consumer_lag\\{integration="${integrationId}"\\} (\\d+)$`, "m");
      return Number(line.exec(text)?.[1] ?? Number.NaN);
    };
    receiver.failing = true;
    const lou = await event("lou", 1);
    await waitFor("lou's fact counted as lag", async () => ((await lag()) === 1 ? true : undefined));
    receiver.failing = false;
    await waitFor("no lag once lou's fact is acked", async () => ((await lag()) === 0 ? true : undefined));
    expect(delivered("lou").map((f) => f.factId)).toEqual([lou]);
    await waitFor("HEALTHY", async () => ((await integration()).status === "HEALTHY" ? true : undefined));
  });

  it("pauses as FAILING on a refused configuration, keeping its backlog until the configuration is fixed", async () => {
    const integrations = integrationsCollection();
    const reconfigure = async (token: string) => {
      const { configVersion } = await integration();
      await integrations.updateOne(
        { _id: integrationId },
        { $set: { secret: secrets.seal(token), configVersion: configVersion + 1, status: "HEALTHY" } },
      );
    };
    await reconfigure("wrong-token");
    // A window read after the change is never sent with the configuration before it (integrationSync.ts).
    const tim = await event("tim", 1);
    const failing = await waitFor("FAILING", async () => {
      const current = await integration();
      return current.status === "FAILING" ? current : undefined;
    });
    expect(failing.lastError).toBe("Echo: 401: check the endpoint and key");
    expect(delivered("tim")).toEqual([]);

    await reconfigure("good-token");
    await waitFor("tim's event", async () => (delivered("tim").length === 1 ? true : undefined));
    expect(delivered("tim").map((f) => f.factId)).toEqual([tim]);
    expect((await integration()).status).toBe("HEALTHY");
  });

  it("gets a resync for its integration as the facts it wants, and nothing of another integration's", async () => {
    const resynced = (customerId: string, forIntegration: string, part: "deleted" | "tags") =>
      publish(customerId, `resync-${forIntegration}-${part}`, {
        type: "customer.resynced",
        data: {
          integrationId: forIntegration,
          resyncId: "r1",
          current: part === "deleted" ? { part } : { part, tags: ["vip"] },
        },
      });
    const uma = await resynced("uma", integrationId, "deleted");
    await resynced("uma", integrationId, "tags");
    await resynced("val", `braze_${account}`, "deleted");
    const marker = await event("val", 1);
    await waitFor("val's event", async () => (delivered("val").length === 1 ? true : undefined));
    await allAcked();
    // Its deletion, as the provider wants deletions; tags it does not want; val's resync was another's.
    expect(delivered("uma")).toEqual([{ factId: `${uma}/0`, type: "customer.deleted", seq: expect.any(Number) }]);
    expect(delivered("val").map((f) => f.factId)).toEqual([marker]);
  });
});
