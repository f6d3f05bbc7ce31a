import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMasivo } from "../../../app/startMasivo.ts";
import type { CustomerFact } from "../../../model/index.ts";
import { connectStore, type Store } from "../../../store/index.ts";
import { connectNats, decodeFact, type NatsLink, STREAM_NAMES } from "../../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { postGraphQL, startTestMasivo } from "../../support/startTestMasivo.ts";
import { readStream, waitFor } from "../../support/streamReader.ts";
import { untilStored } from "../../support/untilStored.ts";
import { isolatedMongoUrl, TEST_ROOT_KEY, uniqueId } from "../../support/world.ts";
import { bucketReader, testBucketAccess } from "./s3/bucketReader.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook/webhookReceiver.ts";

/**
 * Issue 16, full resync through the user's own stack, with the whole program (real customer
 * actors answer the resync): configured with `backfill: true`, an S3 export writes every
 * customer's current state as the resync's snapshot and a webhook is delivered it, then both go
 * on incrementally; nothing is doubled, a customer who denied data sharing is left out.
 */
const ACCOUNT = "acme";
const KINDS = ["PROFILE", "MEMBERSHIP", "TAGS", "DELETED"];
const WAIT_MS = 60_000;
let nats: PrivateNats;
let link: NatsLink;
let masivo: RunningMasivo & { baseUrl: string };
let store: Store;
let key: string;
let vipId: string;
const webhookSecrets: string[] = [];
let receiver: WebhookReceiver;

async function gql<T>(as: string | undefined, query: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await postGraphQL(masivo.baseUrl, as, { query, variables });
  if (result.body.errors) throw new Error(JSON.stringify(result.body.errors));
  return result.body.data as T;
}
const acme = <T>(query: string, variables?: Record<string, unknown>) => gql<T>(key, query, variables);
const upsert = (input: Record<string, unknown>) =>
  acme("mutation($i: CustomerInput!) { upsertCustomer(input: $i) { accepted } }", { i: input });
const stored = (customerId: string, check: (firstName: string | undefined, deleted: boolean) => boolean) =>
  untilStored(store, ACCOUNT, customerId, check);
/** CHANGES as the test reads it: each fact of a subject with its sequence. */
const changes = async (kind: string) =>
  (await readStream(link, STREAM_NAMES.changes, `chg.${ACCOUNT}.${kind}`)).map(({ seq, data }) => ({
    seq,
    fact: decodeFact(data),
  }));

beforeAll(async () => {
  nats = await startPrivateNats();
  const mongodbUrl = isolatedMongoUrl(uniqueId("db"));
  masivo = await startTestMasivo({
    NATS_URL: nats.url,
    MONGODB_URL: mongodbUrl,
    MASIVO_ROOT_KEY: TEST_ROOT_KEY,
    MASIVO_ALLOW_LOCAL_DESTINATIONS: "1",
    MASIVO_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
  });
  link = await connectNats(nats.url, "exports-resync-test");
  store = await connectStore(mongodbUrl);
  receiver = await startWebhookReceiver(webhookSecrets);
  const created = await gql<{ createAccount: { key: string } }>(
    TEST_ROOT_KEY,
    "mutation($id: ID!) { createAccount(id: $id) { key } }",
    { id: ACCOUNT },
  );
  key = created.createAccount.key;
  const { createAudience } = await acme<{ createAudience: { id: string } }>(
    'mutation { createAudience(input: { name: "vip", rules: { attribute: "tier", op: "eq", value: "VIP" } }) { id } }',
  );
  vipId = createAudience.id;
  // The state before any export exists: only a resync can tell it.
  await upsert({ customerId: "ana", firstName: "Ana", tier: "VIP", tags: ["gold"] });
  await upsert({ customerId: "bob", firstName: "Bob" });
  await upsert({ customerId: "carl", firstName: "Carl", tier: "VIP", consent: { dataSharing: "DENIED" } });
  await upsert({ customerId: "dora", firstName: "Dora" });
  await acme("mutation($id: ID!) { deleteCustomer(customerId: $id) { accepted } }", { id: "dora" });
  await stored("ana", (name) => name === "Ana");
  await stored("bob", (name) => name === "Bob");
  await stored("carl", (name) => name === "Carl");
  await stored("dora", (_, deleted) => deleted);
  await waitFor("ana and carl in vip", async () => {
    const { audience } = await acme<{ audience: { size: number } }>("query($id: ID!) { audience(id: $id) { size } }", {
      id: vipId,
    });
    return audience.size === 2 ? true : undefined;
  });
});
afterAll(async () => {
  await masivo?.stop();
  await receiver?.close();
  await store?.close();
  await link?.close();
  await nats?.close();
});

type Line = CustomerFact;
const whose = (lines: Line[]) => lines.map((line) => line.metadata.customerId).sort();
const firstNameIn = (line: Line | undefined) =>
  line?.type === "customer.profileChanged" ? line.data.profile.firstName : undefined;

describe("a full resync through an S3 export", () => {
  const bucket = uniqueId("bucket").toLowerCase();
  const reader = bucketReader(bucket);
  afterAll(() => reader.close());
  const objects = async () => {
    const all = new Map<string, Line[]>();
    for (const key of await reader.keys()) all.set(key, (await reader.lines(key)) as Line[]);
    return all;
  };
  /** The snapshot lines of a kind: of one resync, or of every resync. */
  const snapshotOf = (all: Map<string, Line[]>, kind: string, resyncId = "") =>
    [...all].filter(([key]) => key.includes(`/snapshot/${kind}/resync=${resyncId}`)).flatMap(([, lines]) => lines);
  const incremental = (all: Map<string, Line[]>) =>
    [...all].filter(([key]) => !key.includes("/snapshot/")).flatMap(([, lines]) => lines);
  const resyncsIn = (all: Map<string, Line[]>) =>
    new Set([...all.keys()].flatMap((key) => /\/resync=([^/]+)\//.exec(key)?.[1] ?? []));
  /** Every customer's state in a snapshot: ana's and bob's profile, tags and memberships, dora's deletion. */
  const whole = (all: Map<string, Line[]>, resyncId?: string) =>
    whose(snapshotOf(all, "profile", resyncId)).join() === "ana,bob" &&
    whose(snapshotOf(all, "tags", resyncId)).join() === "ana,bob" &&
    whose(snapshotOf(all, "membership", resyncId)).join() === "ana,bob" &&
    whose(snapshotOf(all, "deleted", resyncId)).join() === "dora";

  it("writes every customer's current state as the resync's snapshot, then goes on in the incremental objects, nothing doubled", {
    timeout: 120_000,
  }, async () => {
    await reader.create();
    const access = testBucketAccess(bucket);
    await acme("mutation($i: S3ExportInput!) { configureS3Export(input: $i) { id } }", {
      i: {
        bucket,
        region: access.region,
        prefix: "exports",
        accessKeyId: access.accessKeyId,
        secretAccessKey: access.secretAccessKey,
        endpoint: access.endpoint,
        forcePathStyle: true,
        kinds: KINDS,
        backfill: true,
      },
    });
    // While the resync runs: before or after bob's answer, it is in the incremental objects once.
    await upsert({ customerId: "bob", firstName: "Robert" });

    const robert = (line: Line) => line.metadata.customerId === "bob" && firstNameIn(line) === "Robert";
    await waitFor(
      "the snapshot and bob's change written",
      async () => {
        const all = await objects();
        return whole(all) && incremental(all).some(robert) ? true : undefined;
      },
      WAIT_MS,
    );
    // After the resync: incremental again.
    await upsert({ customerId: "ana", firstName: "Anna" });
    const all = await waitFor(
      "ana's later change written",
      async () => {
        const now = await objects();
        return incremental(now).some((line) => firstNameIn(line) === "Anna") ? now : undefined;
      },
      WAIT_MS,
    );

    // Snapshot objects of one resync, per kind, under keys naming their sequences.
    const snapshotKeys = [...all.keys()].filter((key) => key.includes("/snapshot/"));
    expect(resyncsIn(all).size).toBe(1);
    for (const key of snapshotKeys) {
      expect(key).toMatch(
        /^exports\/acme\/snapshot\/(profile|tags|membership|deleted)\/resync=[\w-]+\/\d+-\d+\.ndjson\.gz$/,
      );
    }
    // The state as of the resync: carl, who denied data sharing, is in none of it.
    const memberships = snapshotOf(all, "membership").map((line) =>
      line.type === "membership.changed" ? [line.metadata.customerId, line.data.audienceName, line.data.change] : [],
    );
    expect(memberships.sort()).toEqual([
      ["ana", "vip", "ENTERED"],
      ["bob", "vip", "EXITED"],
    ]);
    const tags = snapshotOf(all, "tags").map((line) =>
      line.type === "tags.changed" ? [line.metadata.customerId, line.data.tags] : [],
    );
    expect(tags.sort()).toEqual([
      ["ana", ["gold"]],
      ["bob", []],
    ]);
    const profiles = snapshotOf(all, "profile");
    expect(firstNameIn(profiles.find((line) => line.metadata.customerId === "ana"))).toBe("Ana");
    expect(snapshotOf(all, "deleted").map((line) => line.type)).toEqual(["customer.deleted"]);

    // The incremental objects hold what came after the export was configured: each fact once.
    expect(incremental(all).filter(robert)).toHaveLength(1);
    expect(incremental(all).filter((line) => firstNameIn(line) === "Anna")).toHaveLength(1);
    expect(incremental(all).map((line) => line.metadata.customerId)).not.toContain("carl");
    expect(incremental(all).some((line) => firstNameIn(line) === "Ana")).toBe(false);
    const factIds = [...all.values()].flat().map((line) => line.metadata.factId);
    expect(new Set(factIds).size).toBe(factIds.length);

    // The snapshot is never older than a change CHANGES held before it: bob's answer came after
    // his change to Robert, or before it.
    const answer = (await changes("resync")).find(
      ({ fact }) =>
        fact.type === "customer.resynced" &&
        fact.metadata.customerId === "bob" &&
        fact.data.integrationId === `s3_${ACCOUNT}` &&
        fact.data.current.part === "profile",
    );
    const change = (await changes("profile")).find(({ fact }) => robert(fact));
    const bobInSnapshot = firstNameIn(profiles.find((line) => line.metadata.customerId === "bob"));
    expect(bobInSnapshot).toBe((change?.seq ?? 0) < (answer?.seq ?? 0) ? "Robert" : "Bob");
  });

  it("writes the state of a later resyncIntegration as a snapshot of its own, leaving the first and the incremental objects as they were", {
    timeout: 120_000,
  }, async () => {
    const before = await objects();
    const [first] = [...resyncsIn(before)];
    expect(await acme("mutation($id: ID!) { resyncIntegration(id: $id) }", { id: `s3_${ACCOUNT}` })).toEqual({
      resyncIntegration: true,
    });
    const { all, second } = await waitFor(
      "a second snapshot written",
      async () => {
        const now = await objects();
        const second = [...resyncsIn(now)].find((id) => id !== first);
        return second && whole(now, second) ? { all: now, second } : undefined;
      },
      WAIT_MS,
    );
    // The state now: ana's and bob's later names.
    const names = snapshotOf(all, "profile", second).map((line) => [line.metadata.customerId, firstNameIn(line)]);
    expect(names.sort()).toEqual([
      ["ana", "Anna"],
      ["bob", "Robert"],
    ]);
    // The first snapshot and the incremental objects are untouched: a resync adds only its own objects.
    for (const [key, lines] of before) expect(all.get(key)).toEqual(lines);
    expect(incremental(all)).toEqual(incremental(before));
    // A later resync's keys hold later sequences, so the latest snapshot is the one with the highest.
    const lastSeq = (id: string | undefined) =>
      Math.max(
        ...[...all.keys()]
          .filter((key) => key.includes(`/resync=${id}/`))
          .map((key) => Number(/-(\d+)\.ndjson\.gz$/.exec(key)?.[1])),
      );
    const firstSeq = Math.min(
      ...[...all.keys()]
        .filter((key) => key.includes(`/resync=${second}/`))
        .map((key) => Number(/\/(\d+)-\d+\.ndjson\.gz$/.exec(key)?.[1])),
    );
    expect(firstSeq).toBeGreaterThan(lastSeq(first));
  });
});

describe("a full resync through a webhook", () => {
  it("delivers every customer's current state, then goes on incrementally, each webhook-id once", {
    timeout: 120_000,
  }, async () => {
    const { createWebhook } = await acme<{ createWebhook: { webhook: { id: string }; secret: string } }>(
      "mutation($i: WebhookInput!) { createWebhook(input: $i) { webhook { id } secret } }",
      { i: { url: receiver.url, kinds: KINDS, backfill: true } },
    );
    webhookSecrets.push(createWebhook.secret);
    const bodies = () =>
      receiver.received.map((delivery) => ({
        id: delivery.headers["webhook-id"] ?? "",
        ...(JSON.parse(delivery.body) as {
          type: string;
          data: { customerId: string; profile?: { firstName?: string } };
          resyncId?: string;
        }),
      }));
    // Each part of a resync is delivered under the resync fact's id and its place in it, naming the resync.
    const resyncDeliveries = () => bodies().filter((body) => body.resyncId !== undefined);
    await waitFor(
      "every customer's state delivered",
      async () => {
        const delivered = resyncDeliveries().map((body) => `${body.data.customerId} ${body.type}`);
        const expected = [
          "ana profile.updated",
          "ana tags.updated",
          "ana membership.entered",
          "bob profile.updated",
          "bob tags.updated",
          "bob membership.exited",
          "dora customer.deleted",
        ];
        return expected.every((one) => delivered.includes(one)) ? true : undefined;
      },
      WAIT_MS,
    );
    await upsert({ customerId: "ana", firstName: "Ann" });
    await waitFor(
      "ana's later change delivered",
      async () => (bodies().some((body) => body.data.profile?.firstName === "Ann") ? true : undefined),
      WAIT_MS,
    );

    const all = bodies();
    expect(
      resyncDeliveries()
        .map((body) => `${body.data.customerId} ${body.type}`)
        .sort(),
    ).toEqual([
      "ana membership.entered",
      "ana profile.updated",
      "ana tags.updated",
      "bob membership.exited",
      "bob profile.updated",
      "bob tags.updated",
      "dora customer.deleted",
    ]);
    expect(
      resyncDeliveries().find((body) => body.data.customerId === "ana" && body.type === "profile.updated")?.data.profile
        ?.firstName,
    ).toBe("Anna");
    expect(all.map((body) => body.data.customerId)).not.toContain("carl");
    // One resync, each part under the resync fact's id and its place in it.
    expect(new Set(resyncDeliveries().map((body) => body.resyncId)).size).toBe(1);
    expect(resyncDeliveries().every((body) => /\/\d+$/.test(body.id))).toBe(true);
    // The full state first, then the change after it; nothing delivered twice, every delivery verified.
    const later = all.findIndex((body) => body.data.profile?.firstName === "Ann");
    expect(all[later]?.resyncId).toBeUndefined();
    expect(all.slice(later + 1).filter((body) => body.resyncId !== undefined)).toEqual([]);
    expect(new Set(all.map((body) => body.id)).size).toBe(all.length);
    expect(receiver.received.every((delivery) => delivery.verifiedBy.length === 1)).toBe(true);
  });
});
