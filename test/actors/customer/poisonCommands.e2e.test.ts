import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMasivo } from "../../../app/startMasivo.ts";
import { CUSTOMER_BOUNDS, type IngestCommand } from "../../../model/index.ts";
import { connectStore, customerKey, type DeadLetter, type Store } from "../../../store/index.ts";
import {
  connectNats,
  encodeCommand,
  type NatsLink,
  partitionOf,
  STREAM_NAMES,
  subjects,
} from "../../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { postGraphQL, startTestMasivo } from "../../support/startTestMasivo.ts";
import { waitFor } from "../../support/streamReader.ts";
import { customerIdOnPartition, isolatedMongoUrl, uniqueId } from "../../support/world.ts";

/**
 * Commands the gateway would refuse today, published straight into INGEST as an older gateway (or
 * a bug) could have: whatever the customer actor cannot store goes to the dead letters, and the
 * partition — every account on it — keeps being applied.
 */
const PARTITIONS = 4;
/** The account Masivo creates on its first start, whose admin key the tests use. */
const [ACCOUNT, OTHER] = ["default", "globex"];
let nats: PrivateNats;
let masivo: RunningMasivo & { baseUrl: string };
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
  return customerIdOnPartition(account, partitionOf(ACCOUNT, customerId, PARTITIONS), PARTITIONS, "neighbour");
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

const ingestConsumers = async () => {
  const listed = await (await jetstreamManager(link.nc)).consumers.list(STREAM_NAMES.ingest).next();
  return listed.length;
};

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

      // Each replay's reader is gone from the server, not left to pile up to the consumer limit.
      await waitFor("one reader per partition on INGEST", async () =>
        (await ingestConsumers()) <= PARTITIONS ? true : undefined,
      );

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

type LetterView = { id: string; stream: string; customerId: string | null; kind: string; error: string };
type LettersPage = {
  edges: { cursor: string; node: LetterView }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
};

async function gql(query: string, variables: Record<string, unknown> = {}) {
  return (await postGraphQL(masivo.baseUrl, masivo.bootstrapKey, { query, variables })).body;
}
const LETTERS = `query($first: Int, $after: String) { deadLetters(first: $first, after: $after) {
  edges { cursor node { id stream customerId kind error } } pageInfo { hasNextPage endCursor } } }`;
const letters = async (variables: Record<string, unknown> = {}) =>
  ((await gql(LETTERS, variables)).data as { deadLetters: LettersPage }).deadLetters;

describe("the deadLetters API", () => {
  it("lists only the caller's letters, newest first, page by page; retries and discards them", async () => {
    const [mine, theirs] = [uniqueId("mine"), uniqueId("theirs")];
    const first = await publish(ACCOUNT, mine, upsert({ "nul\u0000": 1 }));
    const second = await publish(ACCOUNT, mine, upsert({ "also\u0000": 1 }));
    const foreign = await publish(OTHER, theirs, upsert({ "nul\u0000": 1 }));
    await Promise.all([letter(first), letter(second), letter(foreign)]);

    const all = await letters({ first: 500 });
    const ids = all.edges.map((edge) => edge.node.id);
    expect(ids).toContain(`INGEST:${first}`);
    expect(ids).not.toContain(`INGEST:${foreign}`);
    expect(all.edges.every((edge) => edge.node.customerId !== theirs)).toBe(true);
    expect(all.edges.find((edge) => edge.node.id === `INGEST:${second}`)?.node).toMatchObject({
      stream: "INGEST",
      customerId: mine,
      kind: "customer.upsert",
    });

    // Page by page, newest first: the second letter, then the first.
    const page = await letters({ first: 1, after: String(second + 1) });
    expect(page.edges.map((edge) => edge.node.id)).toEqual([`INGEST:${second}`]);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = await letters({ first: 1, after: page.pageInfo.endCursor });
    expect(next.edges.map((edge) => edge.node.id)).toEqual([`INGEST:${first}`]);

    // Another account's letter cannot be touched, nor named by a cursor.
    const retryForeign = await gql("mutation($id: ID!) { retryDeadLetter(id: $id) }", { id: `INGEST:${foreign}` });
    expect(retryForeign.data).toEqual({ retryDeadLetter: false });
    for (const after of ["~", "0", "INGEST:1", "-1", "1e3"]) {
      const refused = await gql(LETTERS, { after });
      expect(refused.errors?.[0]?.extensions?.code, after).toBe("BAD_USER_INPUT");
    }

    // A retry stores the command again; failing again, it comes back as a new letter.
    const retried = await gql("mutation($id: ID!) { retryDeadLetter(id: $id) }", { id: `INGEST:${first}` });
    expect(retried.data).toEqual({ retryDeadLetter: true });
    await waitFor("the retried command's new letter", async () => {
      const found = (await letters({ first: 500 })).edges.filter(
        (edge) => edge.node.customerId === mine && edge.node.id !== `INGEST:${second}`,
      );
      return found.length === 1 && found[0]?.node.id !== `INGEST:${first}` ? true : undefined;
    });

    const discarded = await gql("mutation($id: ID!) { discardDeadLetter(id: $id) }", { id: `INGEST:${second}` });
    expect(discarded.data).toEqual({ discardDeadLetter: true });
    const again = await gql("mutation($id: ID!) { discardDeadLetter(id: $id) }", { id: `INGEST:${second}` });
    expect(again.data).toEqual({ discardDeadLetter: false });
  });

  it("is for ADMIN keys only", async () => {
    const created = await gql("mutation { createApiKey(role: SDK) { key } }");
    const sdkKey = (created.data as { createApiKey: { key: string } }).createApiKey.key;
    const answer = await postGraphQL(masivo.baseUrl, sdkKey, { query: LETTERS });
    expect(answer.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});
