import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMasivo } from "../../../app/startMasivo.ts";
import type { CustomerFact } from "../../../model/index.ts";
import { connectStore, type Store } from "../../../store/index.ts";
import { connectNats, decodeFact, type NatsLink, partitionOf, STREAM_NAMES, subjects } from "../../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { postGraphQL, startTestMasivo } from "../../support/startTestMasivo.ts";
import { readStream, waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, uniqueId } from "../../support/world.ts";

const ACCOUNT = "default";
let nats: PrivateNats;
let mongodbUrl: string;
let masivo: RunningMasivo & { baseUrl: string };
let key: string;
let link: NatsLink;
let store: Store;

beforeAll(async () => {
  nats = await startPrivateNats();
  mongodbUrl = isolatedMongoUrl(uniqueId("db"));
  masivo = await startTestMasivo({ NATS_URL: nats.url, MONGODB_URL: mongodbUrl });
  key = masivo.bootstrapKey ?? "";
  link = await connectNats(nats.url, "runtime-test");
  store = await connectStore(mongodbUrl);
});
afterAll(async () => {
  await masivo?.stop();
  await link?.close();
  await store?.close();
  await nats?.close();
});

async function gql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await postGraphQL(masivo.baseUrl, key, { query, variables });
  if (result.body.errors) throw new Error(JSON.stringify(result.body.errors));
  return result.body.data as T;
}

const track = (events: Record<string, unknown>[]) =>
  gql("mutation($e: [EventInput!]!) { trackEvents(events: $e) { accepted } }", { e: events });
const upsert = (input: Record<string, unknown>) =>
  gql("mutation($i: CustomerInput!) { upsertCustomer(input: $i) { accepted } }", { i: input });

type CustomerView = {
  customerId: string;
  email: string | null;
  tier: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
  consent: Record<string, string>;
  devices: { token: string; platform: string }[];
  stats: { name: string; count: number }[];
  version: number;
};

const customer = async (customerId: string) =>
  (
    await gql<{ customer: CustomerView | null }>(
      `query($c: ID!) { customer(customerId: $c) {
        customerId email tier attributes tags version
        consent { email push whatsapp sms ads dataSharing }
        devices { token platform } stats { name count } } }`,
      { c: customerId },
    )
  ).customer;

async function facts(kind: string): Promise<CustomerFact[]> {
  return (await readStream(link, STREAM_NAMES.changes, subjects.change(ACCOUNT, kind))).map((m) => decodeFact(m.data));
}

const statCount = (view: CustomerView | null, name: string) => view?.stats.find((s) => s.name === name)?.count ?? 0;

describe("customer actors", () => {
  it("end in exactly the right state after upserts, events, orders, reversals, cancels, devices, consent and delete", async () => {
    const [ana, bea, cid] = [uniqueId("ana"), uniqueId("bea"), uniqueId("cid")];
    await upsert({
      customerId: ana,
      email: "ana@example.com",
      tier: "Silver",
      attributes: { plan: { name: "gold", seats: 3 } },
      tags: ["b", "a"],
      consent: { email: "GRANTED" },
    });
    await track([
      { customerId: ana, name: "opened", timestamp: "2026-11-01T10:00:00Z" },
      { customerId: ana, name: "opened", timestamp: "2026-11-02T10:00:00Z" },
      {
        customerId: ana,
        name: "FULFILL",
        properties: {
          orderId: "o1",
          currency: "USD",
          items: [
            { sku: "A", price: 10, quantity: 3 },
            { sku: "B", price: 5, quantity: 1 },
          ],
        },
      },
      { customerId: ana, name: "REVERSE", properties: { orderId: "o1", items: [{ sku: "A", quantity: 1 }] } },
      // Only 2 of A remain: the reversal is clamped to them.
      { customerId: ana, name: "REVERSE", properties: { orderId: "o1", items: [{ sku: "A", quantity: 5 }] } },
      {
        customerId: ana,
        name: "FULFILL",
        properties: { orderId: "o2", currency: "USD", items: [{ sku: "C", price: 20, quantity: 1 }] },
      },
      { customerId: ana, name: "CANCEL", properties: { orderId: "o2" } },
      { customerId: ana, name: "CANCEL", properties: { orderId: "o2" } },
      { customerId: ana, name: "REVERSE", properties: { orderId: "never-fulfilled" } },
    ]);
    await gql(
      `mutation($c: ID!) { registerDevice(input: { customerId: $c, token: "tok-1", platform: IOS }) { accepted } }`,
      { c: ana },
    );
    await gql(`mutation($c: ID!) { setConsent(customerId: $c, consent: { push: GRANTED }) { accepted } }`, { c: ana });
    await upsert({ customerId: ana, tier: "Gold", attributes: { plan: { seats: null } } });
    // The token moves to bea: it belongs to one customer at a time.
    await gql(
      `mutation($c: ID!) { registerDevice(input: { customerId: $c, token: "tok-1", platform: ANDROID }) { accepted } }`,
      { c: bea },
    );
    await upsert({ customerId: cid, email: "cid@example.com" });
    await gql(`mutation($c: ID!) { deleteCustomer(customerId: $c) { accepted } }`, { c: cid });

    const final = await waitFor("ana's device to move to bea", async () => {
      const view = await customer(ana);
      return view?.tier === "Gold" && view.devices.length === 0 ? view : undefined;
    });
    expect(final).toMatchObject({
      customerId: ana,
      email: "ana@example.com",
      tier: "Gold",
      attributes: { plan: { name: "gold" } },
      tags: ["a", "b"],
      consent: {
        email: "GRANTED",
        push: "GRANTED",
        whatsapp: "UNKNOWN",
        sms: "UNKNOWN",
        ads: "UNKNOWN",
        dataSharing: "UNKNOWN",
      },
      devices: [],
    });
    expect(Object.fromEntries(final.stats.map((s) => [s.name, s.count]))).toEqual({
      REGISTRATION: 1,
      opened: 2,
      FULFILL: 2,
      REVERSE: 2,
      CANCEL: 1,
    });
    expect((await customer(bea))?.devices).toEqual([{ token: "tok-1", platform: "ANDROID" }]);
    expect(await waitFor("cid to be deleted", async () => ((await customer(cid)) === null ? true : undefined))).toBe(
      true,
    );

    const purchases = (await facts("purchase")).filter((f) => f.metadata.customerId === ana);
    expect(
      purchases.map((f) =>
        f.type === "purchase.recorded"
          ? [
              f.data.cause,
              f.data.orderId,
              f.data.sign,
              f.data.items.map((i) => `${i.sku}x${i.quantity}@${i.price}`).join(","),
              f.data.clamped ?? null,
            ]
          : [],
      ),
    ).toEqual([
      ["FULFILL", "o1", 1, "Ax3@10,Bx1@5", null],
      ["REVERSE", "o1", -1, "Ax1@10", null],
      ["REVERSE", "o1", -1, "Ax2@10", [{ sku: "A", requested: 5, applied: 2 }]],
      ["FULFILL", "o2", 1, "Cx1@20", null],
      ["CANCEL", "o2", -1, "Cx1@20", null],
    ]);
    const deleted = (await facts("deleted")).filter((f) => f.metadata.customerId === cid);
    expect(deleted.map((f) => f.type)).toEqual(["customer.deleted"]);
  });

  it("applies one customer's events in the order they were sent", async () => {
    const id = uniqueId("ordered");
    for (let call = 0; call < 3; call++) {
      await track(
        Array.from({ length: 100 }, (_, i) => ({ customerId: id, name: "step", properties: { i: call * 100 + i } })),
      );
    }
    await waitFor("300 steps", async () => (statCount(await customer(id), "step") === 300 ? true : undefined));
    const steps = (await facts("event")).filter(
      (f) => f.metadata.customerId === id && f.type === "event.recorded" && f.data.name === "step",
    );
    expect(steps.map((f) => (f.type === "event.recorded" ? f.data.properties.i : -1))).toEqual(
      Array.from({ length: 300 }, (_, i) => i),
    );
  });

  it("records a poison message as a dead letter and keeps its partition moving", async () => {
    const id = uniqueId("after-poison");
    const partition = partitionOf(ACCOUNT, id, 32);
    const { jetstream } = await import("@nats-io/jetstream");
    const ack = await jetstream(link.nc).publish(
      subjects.ingest(ACCOUNT, partition),
      new TextEncoder().encode("{not json"),
    );
    await track([{ customerId: id, name: "survived" }]);
    await waitFor("the event after the poison", async () =>
      statCount(await customer(id), "survived") === 1 ? true : undefined,
    );
    const letter = await store.db.collection("deadLetters").findOne({ _id: `INGEST:${ack.seq}` as never });
    expect(letter).toMatchObject({ stream: "INGEST", seq: ack.seq, payload: "{not json" });
    expect(String(letter?.error)).toMatch(/JSON/);
  });

  it("changes nothing when every INGEST message is applied again", async () => {
    const id = uniqueId("replayed");
    await upsert({ customerId: id, tier: "VIP" });
    await track([
      { customerId: id, name: "bought", id: uniqueId("evt") },
      { customerId: id, name: "bought" },
    ]);
    const before = await waitFor("two purchases", async () => {
      const view = await customer(id);
      return statCount(view, "bought") === 2 ? view : undefined;
    });
    const changesBefore = (await readStream(link, STREAM_NAMES.changes, "chg.>")).length;

    // Forget every checkpoint and restart: the whole stream is read and applied again.
    await masivo.stop();
    await store.db.collection("partitionCheckpoints").deleteMany({});
    masivo = await startTestMasivo({ NATS_URL: nats.url, MONGODB_URL: mongodbUrl });
    const marker = uniqueId("marker");
    await track([{ customerId: marker, name: "done" }]);
    await waitFor("the replay to pass the marker", async () =>
      statCount(await customer(marker), "done") === 1 ? true : undefined,
    );

    expect(await customer(id)).toEqual(before);
    // Only the marker's own facts are new: profile, REGISTRATION and its event.
    expect((await readStream(link, STREAM_NAMES.changes, "chg.>")).length).toBe(changesBefore + 3);
  });
});
