import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DESTINATION_LEASES_BUCKET } from "../../../actors/destination/worker.ts";
import type { RunningMasivo } from "../../../app/startMasivo.ts";
import { type FakeBraze, startFakeBraze } from "../../../fakes/braze/index.ts";
import type { CustomerFact } from "../../../model/index.ts";
import { connectStore, type Store } from "../../../store/index.ts";
import { connectNats, decodeFact, type NatsLink, STREAM_NAMES } from "../../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { postGraphQL, startTestMasivo } from "../../support/startTestMasivo.ts";
import { readStream, waitFor } from "../../support/streamReader.ts";
import { untilStored } from "../../support/untilStored.ts";
import { isolatedMongoUrl, TEST_ROOT_KEY, uniqueId } from "../../support/world.ts";

/**
 * Issue 12, defect 4: an integration paused longer than CHANGES keeps its facts (7 days; here a
 * purge) finds the gap when it starts again, says so, and sends every customer's current state.
 */
const ACCOUNT = "acme";
const INTEGRATION = `braze_${ACCOUNT}`;
let nats: PrivateNats;
let link: NatsLink;
let braze: FakeBraze;
let masivo: RunningMasivo & { baseUrl: string };
let store: Store;
let key: string;

beforeAll(async () => {
  nats = await startPrivateNats();
  braze = await startFakeBraze({ keys: ["key-acme"], batchMode: "PER_TYPE" });
  const mongodbUrl = isolatedMongoUrl(uniqueId("db"));
  masivo = await startTestMasivo(
    {
      NATS_URL: nats.url,
      MONGODB_URL: mongodbUrl,
      MASIVO_ROOT_KEY: TEST_ROOT_KEY,
      MASIVO_ALLOW_LOCAL_DESTINATIONS: "1",
      MASIVO_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    },
    { brazeSync: { flushDelayMs: 100 } },
  );
  link = await connectNats(nats.url, "gap-resync-test");
  store = await connectStore(mongodbUrl);
  const created = await gql<{ createAccount: { key: string } }>(
    TEST_ROOT_KEY,
    "mutation($id: ID!) { createAccount(id: $id) { key } }",
    { id: ACCOUNT },
  );
  key = created.createAccount.key;
});
afterAll(async () => {
  await masivo?.stop();
  await store?.close();
  await link?.close();
  await braze?.close();
  await nats?.close();
});

async function gql<T>(as: string | undefined, query: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await postGraphQL(masivo.baseUrl, as, { query, variables });
  if (result.body.errors) throw new Error(JSON.stringify(result.body.errors));
  return result.body.data as T;
}
const acme = <T>(query: string, variables?: Record<string, unknown>) => gql<T>(key, query, variables);
const configure = (enabled: boolean) =>
  acme("mutation($i: BrazeInput!) { configureBraze(input: $i) { id } }", {
    i: { restEndpoint: braze.url, apiKey: "key-acme", enabled },
  });
const upsert = (input: Record<string, unknown>) =>
  acme("mutation($i: CustomerInput!) { upsertCustomer(input: $i) { accepted } }", { i: input });
const remove = (customerId: string) =>
  acme("mutation($id: ID!) { deleteCustomer(customerId: $id) { accepted } }", { id: customerId });
const integration = async () =>
  (
    await acme<{ integrations: { status: string; lastError: string | null }[] }>(
      "query { integrations { status lastError } }",
    )
  ).integrations[0];
const syncLog = async () =>
  (
    await acme<{ syncLog: { edges: { node: { item: string; message: string } }[] } }>(
      "query($id: ID!) { syncLog(integrationId: $id) { edges { node { item message } } } }",
      { id: INTEGRATION },
    )
  ).syncLog.edges.map((edge) => edge.node);
const attributesOf = (customerId: string) => braze.state.user(customerId)?.attributes;
const until = (what: string, check: () => boolean | undefined) =>
  waitFor(what, async () => (check() ? true : undefined));
const stored = (customerId: string, check: (firstName: string | undefined, deleted: boolean) => boolean) =>
  untilStored(store, ACCOUNT, customerId, check);
const resyncFacts = async (): Promise<CustomerFact[]> =>
  (await readStream(link, STREAM_NAMES.changes, `chg.${ACCOUNT}.resync`)).map((message) => decodeFact(message.data));

let vipId: string;

describe("a gap in CHANGES", () => {
  it("is logged, marks the integration, and is healed by every customer's current state", async () => {
    await configure(true);
    const { createAudience } = await acme<{ createAudience: { id: string } }>(
      'mutation { createAudience(input: { name: "vip", rules: { attribute: "tier", op: "eq", value: "VIP" } }) { id } }',
    );
    vipId = createAudience.id;
    await upsert({ customerId: "ana", firstName: "Ana", tier: "VIP" });
    await upsert({ customerId: "bob", firstName: "Bob" });
    await upsert({ customerId: "dora", firstName: "Dora" });
    await until("ana in vip at Braze", () => attributesOf("ana")?.masivo_vip === true);
    await until("bob and dora at Braze", () => attributesOf("bob") !== undefined && attributesOf("dora") !== undefined);

    // The integration is paused, and its sync stops (its lease is let go).
    await configure(false);
    const leases = await new Kvm(link.nc).open(DESTINATION_LEASES_BUCKET);
    await waitFor("the sync stopped", async () =>
      (await leases.get(INTEGRATION))?.operation === "PUT" ? undefined : true,
    );

    // What happens meanwhile is in CHANGES only until it expires (here: is purged).
    await upsert({ customerId: "ana", firstName: "Anna", tier: "BASIC" });
    await upsert({ customerId: "bob", firstName: "Robert" });
    await upsert({ customerId: "carl", firstName: "Carl", tier: "VIP" });
    await remove("dora");
    await stored("ana", (name) => name === "Anna");
    await stored("bob", (name) => name === "Robert");
    await stored("carl", (name) => name === "Carl");
    await stored("dora", (_, deleted) => deleted);
    await (await jetstreamManager(link.nc)).streams.purge(STREAM_NAMES.changes);

    await configure(true);
    await waitFor("the gap logged", async () => (await syncLog()).find((entry) => entry.item === "gap"));
    await until(
      "ana as she is now",
      () => attributesOf("ana")?.first_name === "Anna" && attributesOf("ana")?.masivo_vip === false,
    );
    await until("bob as he is now", () => attributesOf("bob")?.first_name === "Robert");
    await until("carl, created in the gap, in vip", () => attributesOf("carl")?.masivo_vip === true);
    await until("dora, deleted in the gap, deleted", () => braze.state.user("dora") === undefined);
    const entries = await waitFor("the resync logged", async () => {
      const all = await syncLog();
      return all.some((entry) => entry.item === "resync") ? all : undefined;
    });
    expect(entries.find((entry) => entry.item === "gap")?.message).toMatch(/^CHANGES no longer holds facts \d+–\d+/);
    expect(entries.find((entry) => entry.item === "resync")?.message).toMatch(
      /after a gap in CHANGES: 4 customers asked/,
    );
    await waitFor("HEALTHY again after the resync", async () =>
      (await integration())?.status === "HEALTHY" ? true : undefined,
    );
  });

  it("leaves audience sizes as they are", async () => {
    const { audience } = await acme<{ audience: { size: number } }>("query($id: ID!) { audience(id: $id) { size } }", {
      id: vipId,
    });
    expect(audience.size).toBe(1);
  });
});

describe("resyncIntegration", () => {
  it("sends every customer's current state once, then goes on incrementally", async () => {
    const before = (await resyncFacts()).length;
    expect(await acme("mutation($id: ID!) { resyncIntegration(id: $id) }", { id: INTEGRATION })).toEqual({
      resyncIntegration: true,
    });
    await waitFor("a second resync logged", async () => {
      const resyncs = (await syncLog()).filter((entry) => entry.item === "resync");
      return resyncs.length === 2 ? resyncs : undefined;
    });
    // Each customer answered once: its profile, tags and memberships, or its deletion.
    const parts = await waitFor("every customer answered", async () => {
      const answered = new Map<string, string[]>();
      for (const fact of (await resyncFacts()).slice(before)) {
        if (fact.type !== "customer.resynced") continue;
        const { customerId } = fact.metadata;
        answered.set(customerId, [...(answered.get(customerId) ?? []), fact.data.current.part]);
      }
      return answered.size === 4 && answered.get("carl")?.length === 3 ? answered : undefined;
    });
    expect(Object.fromEntries(parts)).toEqual({
      ana: ["profile", "tags", "memberships"],
      bob: ["profile", "tags", "memberships"],
      carl: ["profile", "tags", "memberships"],
      dora: ["deleted"],
    });

    await upsert({ customerId: "bob", firstName: "Bobby" });
    await until("a later change of bob", () => attributesOf("bob")?.first_name === "Bobby");
  });

  it("is NOT_FOUND for an integration that is not the account's", async () => {
    const result = await postGraphQL(masivo.baseUrl, key, {
      query: 'mutation { resyncIntegration(id: "braze_beta") }',
    });
    expect(result.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });
});
