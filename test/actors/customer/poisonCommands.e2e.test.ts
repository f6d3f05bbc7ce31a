import { jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMasivo } from "../../../app/startMasivo.ts";
import { CUSTOMER_BOUNDS, type IngestCommand } from "../../../model/index.ts";
import { connectStore, customerKey, type DeadLetter, type Store } from "../../../store/index.ts";
import { connectNats, encodeCommand, type NatsLink, partitionOf, subjects } from "../../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { startTestMasivo } from "../../support/startTestMasivo.ts";
import { waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, uniqueId } from "../../support/world.ts";

/**
 * Commands the gateway would refuse today, published straight into INGEST as an older gateway (or
 * a bug) could have: whatever the customer actor cannot store goes to the dead letters, and the
 * partition — every account on it — keeps being applied.
 */
const PARTITIONS = 4;
const [ACCOUNT, OTHER] = ["acme", "globex"];
let nats: PrivateNats;
let masivo: RunningMasivo;
let link: NatsLink;
let store: Store;

beforeAll(async () => {
  nats = await startPrivateNats();
  const mongodbUrl = isolatedMongoUrl(uniqueId("db"));
  masivo = await startTestMasivo({
    NATS_URL: nats.url,
    MONGODB_URL: mongodbUrl,
    MASIVO_PARTITIONS: String(PARTITIONS),
  });
  link = await connectNats(nats.url, "poison-test");
  store = await connectStore(mongodbUrl);
});
afterAll(async () => {
  await masivo?.stop();
  await link?.close();
  await store?.close();
  await nats?.close();
});

type Draft = Pick<IngestCommand, "type" | "data">;

/** Publishes one command into INGEST as the gateway would, without its checks; answers its sequence. */
async function publish(account: string, customerId: string, command: Draft): Promise<number> {
  const metadata = { account, customerId, commandId: uniqueId("cmd"), acceptedAt: new Date().toISOString() };
  const subject = subjects.ingest(account, partitionOf(account, customerId, PARTITIONS));
  const ack = await jetstream(link.nc).publish(subject, encodeCommand({ ...command, metadata } as IngestCommand));
  return ack.seq;
}

const upsert = (attributes: Record<string, unknown>): Draft => ({
  type: "customer.upsert",
  data: { attributes },
});
const event = (name: string): Draft => ({ type: "event.track", data: { name, properties: {} } });

/** A customer id of `account` on the same partition as `customerId` of ACCOUNT. */
function neighbourOf(customerId: string, account: string): string {
  const partition = partitionOf(ACCOUNT, customerId, PARTITIONS);
  for (;;) {
    const candidate = uniqueId("neighbour");
    if (partitionOf(account, candidate, PARTITIONS) === partition) return candidate;
  }
}

type StoredCustomer = {
  attributes: Record<string, unknown>;
  devices: { token: string }[];
  stats: { name: string; count: number }[];
  orders: { orderId: string }[];
};

const stored = async (account: string, customerId: string) =>
  (await store.db
    .collection("customers")
    .findOne({ _id: customerKey(account, customerId) as never })) as StoredCustomer | null;

const counted = async (account: string, customerId: string, name: string) =>
  (await stored(account, customerId))?.stats.find((stat) => stat.name === name)?.count ?? 0;

const letter = (seq: number) =>
  waitFor(`the dead letter of INGEST:${seq}`, async () => {
    const found = await store.db.collection<DeadLetter>("deadLetters").findOne({ _id: `INGEST:${seq}` });
    return found ?? undefined;
  });

/** Waits until a customer has counted an event once. */
const applied = (account: string, customerId: string, name: string) =>
  waitFor(`${account}:${customerId} to count ${name}`, async () =>
    (await counted(account, customerId, name)) === 1 ? true : undefined,
  );

describe("commands the store cannot hold", () => {
  it.each([
    ["a NUL in a key", { "bad\u0000key": 1 }, /null bytes/],
    ["a key starting with $ (FerretDB)", { $set: 1 }, /\$/],
    ["a dotted key (FerretDB)", { "a.b": 1 }, /\./],
    ["an array in an array (FerretDB)", { matrix: [[1, 2]] }, /nested arrays/],
  ])(
    "given an upsert with %s, when applied, then it is dead-lettered and the partition goes on for every account",
    async (_, attributes, reason) => {
      const poisoned = uniqueId("poisoned");
      const [neighbour, foreign] = [neighbourOf(poisoned, ACCOUNT), neighbourOf(poisoned, OTHER)];
      await publish(ACCOUNT, poisoned, event("before"));
      const seq = await publish(ACCOUNT, poisoned, upsert(attributes));
      await publish(ACCOUNT, neighbour, event("beside"));
      await publish(OTHER, foreign, event("beside"));

      const dead = await letter(seq);
      expect(dead).toMatchObject({ account: ACCOUNT, customerId: poisoned, kind: "customer.upsert" });
      expect(dead.error).toMatch(reason);
      await applied(ACCOUNT, neighbour, "beside");
      await applied(OTHER, foreign, "beside");

      // The customer itself goes on too, with its later commands.
      await publish(ACCOUNT, poisoned, event("after"));
      await applied(ACCOUNT, poisoned, "after");
      expect((await stored(ACCOUNT, poisoned))?.attributes).toEqual({});
    },
  );
});

describe("what one customer holds", () => {
  it("given attributes merged past their bound, when upserted, then that upsert is dead-lettered and the earlier ones stay", async () => {
    const id = uniqueId("big-attributes");
    const half = "x".repeat(CUSTOMER_BOUNDS.attributesBytes / 2);
    await publish(ACCOUNT, id, upsert({ first: half }));
    const seq = await publish(ACCOUNT, id, upsert({ second: half }));
    await publish(ACCOUNT, id, event("after"));

    expect((await letter(seq)).error).toMatch(
      /attributes would take \d+ bytes as JSON; a customer holds at most 262144/,
    );
    await applied(ACCOUNT, id, "after");
    expect(Object.keys((await stored(ACCOUNT, id))?.attributes ?? {})).toEqual(["first"]);
  });

  it("given more devices than the bound, when registered, then the oldest are forgotten", async () => {
    const id = uniqueId("devices");
    const tokens = Array.from({ length: CUSTOMER_BOUNDS.devices + 5 }, (_, i) => `token-${i}`);
    for (const token of tokens)
      await publish(ACCOUNT, id, { type: "device.register", data: { token, platform: "IOS" } });
    await publish(ACCOUNT, id, event("after"));

    await applied(ACCOUNT, id, "after");
    expect((await stored(ACCOUNT, id))?.devices.map((device) => device.token)).toEqual(tokens.slice(5));
  });

  it("given more distinct event names than the bound, when tracked, then the names seen longest ago are forgotten", async () => {
    const id = uniqueId("names");
    const names = Array.from(
      { length: CUSTOMER_BOUNDS.eventNames + 10 },
      (_, i) => `name-${String(i).padStart(4, "0")}`,
    );
    const day = Date.parse("2026-01-01T00:00:00.000Z");
    for (const [i, name] of names.entries()) {
      const timestamp = new Date(day + i * 1_000).toISOString();
      await publish(ACCOUNT, id, { type: "event.track", data: { name, properties: {}, timestamp } });
    }
    await publish(ACCOUNT, id, event("zz-after"));

    await applied(ACCOUNT, id, "zz-after");
    const kept = (await stored(ACCOUNT, id))?.stats.map((stat) => stat.name) ?? [];
    expect(kept).toHaveLength(CUSTOMER_BOUNDS.eventNames);
    // REGISTRATION and zz-after happened now, after every other name: the 12 oldest go.
    expect(kept).toEqual(["REGISTRATION", ...names.slice(12), "zz-after"]);
  });
});
