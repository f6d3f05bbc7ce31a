import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fcmTopicName } from "../../../../actors/channel/index.ts";
import type { RunningMasivo } from "../../../../app/startMasivo.ts";
import { type FakeFcm, startFakeFcm } from "../../../../fakes/push/index.ts";
import { fakeFcmSettings } from "../../../support/fakeFcmSettings.ts";
import { createTestAccount } from "../../../support/gateways.ts";
import { type PrivateNats, startPrivateNats } from "../../../support/privateNats.ts";
import { postGraphQL, startTestMasivo } from "../../../support/startTestMasivo.ts";
import { waitFor } from "../../../support/streamReader.ts";
import { isolatedMongoUrl, TEST_MASTER_KEY, TEST_ROOT_KEY, uniqueId } from "../../../support/world.ts";

let account: string;
let nats: PrivateNats;
let fcm: FakeFcm;
let masivo: RunningMasivo & { baseUrl: string };
let key: string;

/** What the fake FCM's topic of an audience holds. */
const topicOf = (audienceId: string) => new Set(fcm.topicTokens(fcmTopicName(account, audienceId)));

beforeAll(async () => {
  nats = await startPrivateNats();
  fcm = await startFakeFcm();
  masivo = await startTestMasivo(
    {
      NATS_URL: nats.url,
      MONGODB_URL: isolatedMongoUrl(uniqueId("db")),
      MASIVO_ROOT_KEY: TEST_ROOT_KEY,
      MASIVO_MASTER_KEY: TEST_MASTER_KEY,
      MASIVO_ALLOW_LOCAL_DESTINATIONS: "1",
    },
    { channelTuning: { settingsRefreshMs: 100 } },
  );
  const created = await createTestAccount(masivo);
  account = created.account;
  key = created.adminKey;
  await gql("mutation($input: PushSettingsInput!) { configurePush(input: $input) { id } }", {
    input: fakeFcmSettings(fcm),
  });
}, 120_000);
afterAll(async () => {
  await masivo?.stop();
  await fcm?.close();
  await nats?.close();
});

async function gql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await postGraphQL(masivo.baseUrl, key, { query, variables });
  if (result.body.errors) throw new Error(JSON.stringify(result.body.errors));
  return result.body.data as T;
}

const upsert = (input: Record<string, unknown>) =>
  gql("mutation($i: CustomerInput!) { upsertCustomer(input: $i) { accepted } }", { i: input });
const register = (customerId: string, token: string) =>
  gql("mutation($i: DeviceInput!) { registerDevice(input: $i) { accepted } }", {
    i: { customerId, token, platform: "ANDROID" },
  });
const setPushConsent = (customerId: string, push: string) =>
  gql("mutation($c: ID!, $k: ConsentInput!) { setConsent(customerId: $c, consent: $k) { accepted } }", {
    c: customerId,
    k: { push },
  });

async function createAudience(input: Record<string, unknown>): Promise<string> {
  const data = await gql<{ createAudience: { id: string } }>(
    "mutation($i: AudienceInput!) { createAudience(input: $i) { id } }",
    { i: input },
  );
  return data.createAudience.id;
}

/** Waits until the audience's topic holds exactly these tokens. */
const topicHolds = (audienceId: string, tokens: string[]) =>
  waitFor(`topic of ${audienceId} to hold [${tokens.join(", ")}]`, async () => {
    const held = [...topicOf(audienceId)].sort();
    return JSON.stringify(held) === JSON.stringify([...tokens].sort()) ? held : undefined;
  });

describe("push topics that follow audience membership", () => {
  it("puts a member's tokens in the topic on entry, and takes them out on token removal, consent revocation and exit", async () => {
    const customerId = uniqueId("c");
    await upsert({ customerId, tier: "SILVER", consent: { push: "GRANTED" } });
    await register(customerId, `${customerId}-a`);
    await register(customerId, `${customerId}-b`);
    const audienceId = await createAudience({
      name: uniqueId("VIP "),
      rules: { attribute: "tier", op: "eq", value: "VIP" },
      pushTopic: true,
    });
    await upsert({ customerId, tier: "VIP" });
    await topicHolds(audienceId, [`${customerId}-a`, `${customerId}-b`]);

    await gql("mutation($c: ID!, $t: String!) { unregisterDevice(customerId: $c, token: $t) { accepted } }", {
      c: customerId,
      t: `${customerId}-a`,
    });
    await topicHolds(audienceId, [`${customerId}-b`]);

    await setPushConsent(customerId, "DENIED");
    await topicHolds(audienceId, []);
    await setPushConsent(customerId, "GRANTED");
    await topicHolds(audienceId, [`${customerId}-b`]);

    await upsert({ customerId, tier: "GOLD" });
    await topicHolds(audienceId, []);
  });

  it("removes a token FCM calls dead from its customer", async () => {
    const customerId = uniqueId("c");
    fcm.unregister(`${customerId}-dead`);
    await upsert({ customerId, tier: "VIP", consent: { push: "GRANTED" } });
    await register(customerId, `${customerId}-dead`);
    await register(customerId, `${customerId}-ok`);
    const audienceId = await createAudience({
      name: uniqueId("VIP "),
      rules: { attribute: "tier", op: "eq", value: "VIP" },
      pushTopic: true,
    });
    await topicHolds(audienceId, [`${customerId}-ok`]);
    const devices = await waitFor("the dead token removed", async () => {
      const data = await gql<{ customer: { devices: { token: string }[] } }>(
        "query($id: ID!) { customer(customerId: $id) { devices { token } } }",
        { id: customerId },
      );
      const tokens = data.customer.devices.map((device) => device.token);
      // The document is written behind the actor: wait until it holds the live token, not before.
      return tokens.includes(`${customerId}-ok`) && !tokens.includes(`${customerId}-dead`) ? tokens : undefined;
    });
    expect(devices).toEqual([`${customerId}-ok`]);
  });

  it("subscribes an existing audience's members once pushTopic is turned on (a PUSH_TOPIC run with counts), and empties the topic when the audience is deleted", async () => {
    const customerId = uniqueId("c");
    await upsert({ customerId, consent: { push: "GRANTED" } });
    await register(customerId, `${customerId}-t`);
    const name = uniqueId("Static ");
    const audienceId = await createAudience({ name, kind: "STATIC" });
    const csv = new Blob([`customerId\n${customerId}\n`], { type: "text/csv" });
    const form = new FormData();
    form.set(
      "operations",
      JSON.stringify({
        query: "mutation($id: ID!, $f: File!) { importAudienceMembers(audienceId: $id, file: $f) { id } }",
        variables: { id: audienceId, f: null },
      }),
    );
    form.set("map", JSON.stringify({ 0: ["variables.f"] }));
    form.set("0", csv, "members.csv");
    const imported = await fetch(`${masivo.baseUrl}/graphql`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: form,
    });
    expect(imported.status).toBe(200);
    await waitFor("the member imported", async () => {
      const data = await gql<{ audience: { size: number } }>("query($id: ID!) { audience(id: $id) { size } }", {
        id: audienceId,
      });
      return data.audience.size === 1 ? true : undefined;
    });
    expect(topicOf(audienceId).size).toBe(0);

    await gql("mutation($id: ID!, $i: AudienceInput!) { updateAudience(id: $id, input: $i) { id } }", {
      id: audienceId,
      i: { name, kind: "STATIC", pushTopic: true },
    });
    await topicHolds(audienceId, [`${customerId}-t`]);
    type Run = { kind: string; status: string; total: number; unchanged: number };
    const run = await waitFor("the PUSH_TOPIC run done", async () => {
      const data = await gql<{ audience: { runs: Run[] } }>(
        "query($id: ID!) { audience(id: $id) { runs { kind status total unchanged } } }",
        { id: audienceId },
      );
      return data.audience.runs.find((found) => found.kind === "PUSH_TOPIC" && found.status === "DONE");
    });
    expect(run).toMatchObject({ total: 1, unchanged: 1 });

    await gql("mutation($id: ID!) { deleteAudience(id: $id) { id } }", { id: audienceId });
    await topicHolds(audienceId, []);
  });
});
