import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fcmTopicName } from "../../../actors/channel/index.ts";
import { type FakeFcm, startFakeFcm } from "../../../fakes/push/index.ts";
import { type FakeSmtp, relaySettings, startFakeSmtp } from "../../../fakes/smtp/index.ts";
import type { MasivoProcess } from "../../../faults/masivoProcess.ts";
import { campaignsRepository, connectStore, type Store } from "../../../store/index.ts";
import { fakeFcmSettings } from "../../support/fakeFcmSettings.ts";
import { createTestAccount } from "../../support/gateways.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { startRoleProcess } from "../../support/roleProcess.ts";
import { postGraphQL, startTestMasivo } from "../../support/startTestMasivo.ts";
import { waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, TEST_MASTER_KEY, TEST_ROOT_KEY, uniqueId } from "../../support/world.ts";

/**
 * One-shot campaigns end to end (issue 15's "Done when"): through GraphQL, the `scheduler` role
 * (in a process of its own, so it can be killed and restarted), the customer actors and the send
 * path to a fake SMTP relay, on a nats-server of this file's own.
 */

let nats: PrivateNats;
let mongodbUrl: string;
let store: Store;
let masivo: Awaited<ReturnType<typeof startTestMasivo>>;
let scheduler: MasivoProcess;
let smtp: FakeSmtp;
let fcm: FakeFcm;

const startScheduler = () =>
  startRoleProcess("scheduler", { natsUrl: nats.url, mongodbUrl }, { MASIVO_CAMPAIGN_SWEEP_SECONDS: "1" });

beforeAll(async () => {
  nats = await startPrivateNats();
  mongodbUrl = isolatedMongoUrl(uniqueId("db"));
  store = await connectStore(mongodbUrl);
  smtp = await startFakeSmtp({ messageLogSize: 20_000 });
  fcm = await startFakeFcm();
  masivo = await startTestMasivo({
    NATS_URL: nats.url,
    MONGODB_URL: mongodbUrl,
    MASIVO_ROLES: "gateway,customers,audiences,channels",
    MASIVO_ROOT_KEY: TEST_ROOT_KEY,
    MASIVO_MASTER_KEY: TEST_MASTER_KEY,
    MASIVO_ALLOW_LOCAL_DESTINATIONS: "1",
  });
  scheduler = await startScheduler();
}, 120_000);

afterAll(async () => {
  if (scheduler?.running()) await scheduler.signal("SIGKILL");
  await masivo?.stop();
  await store?.close();
  await smtp?.close();
  await fcm?.close();
  await nats?.close();
});

type Counters = { status: string; targeted: number; sent: number; suppressed: number; failed: number };
type CampaignView = Counters & { members: number | null; startedAt: string | null; scheduledAt: string | null };

/** An account with email set up, a template, and an audience of `size` members, `consenting(i)` of them with email consent. */
async function audienceOf(size: number, consenting: (i: number) => boolean) {
  const { account, adminKey } = await createTestAccount(masivo);
  const gql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const { body } = await postGraphQL(masivo.baseUrl, adminKey, { query, variables });
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data as T;
  };
  await gql("mutation($input: EmailSettingsInput!) { configureEmail(input: $input) { id } }", {
    input: relaySettings(smtp, { maxPerSecond: 200 }),
  });
  const { createTemplate } = await gql<{ createTemplate: { id: string } }>(
    "mutation($input: TemplateInput!) { createTemplate(input: $input) { id } }",
    { input: { name: "News", channel: "EMAIL", email: { subject: "{{ campaign.name }}", text: "Hello" } } },
  );
  const { createAudience } = await gql<{ createAudience: { id: string } }>(
    "mutation($input: AudienceInput!) { createAudience(input: $input) { id } }",
    { input: { name: uniqueId("Readers"), rules: { attribute: "tier", op: "eq", value: "reader" } } },
  );
  const customers = Array.from({ length: size }, (_, i) => ({
    customerId: uniqueId(`m${i}`),
    consents: consenting(i),
  }));
  for (let start = 0; start < size; start += 50) {
    await Promise.all(
      customers.slice(start, start + 50).map(({ customerId, consents }) =>
        gql("mutation($input: CustomerInput!) { upsertCustomer(input: $input) { accepted } }", {
          input: {
            customerId,
            email: `${customerId}@example.com`,
            tier: "reader",
            ...(consents ? { consent: { email: "GRANTED" } } : {}),
          },
        }),
      ),
    );
  }
  await waitFor(`${size} members`, async () => {
    const { audience } = await gql<{ audience: { size: number } }>("query($id: ID!) { audience(id: $id) { size } }", {
      id: createAudience.id,
    });
    return audience.size === size ? true : undefined;
  });
  const campaign = async (input: Record<string, unknown> = {}) => {
    const { createCampaign } = await gql<{ createCampaign: { id: string } }>(
      "mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }",
      {
        input: {
          name: uniqueId("Spring sale"),
          audienceId: createAudience.id,
          templateId: createTemplate.id,
          ...input,
        },
      },
    );
    return createCampaign.id;
  };
  const launch = async (id: string) =>
    (
      await gql<{ launchCampaign: { status: string } }>("mutation($id: ID!) { launchCampaign(id: $id) { status } }", {
        id,
      })
    ).launchCampaign.status;
  const cancel = async (id: string) =>
    (
      await gql<{ cancelCampaign: { status: string } }>("mutation($id: ID!) { cancelCampaign(id: $id) { status } }", {
        id,
      })
    ).cancelCampaign.status;
  const read = async (id: string) =>
    (
      await gql<{ campaign: CampaignView }>(
        "query($id: ID!) { campaign(id: $id) { status targeted sent suppressed failed members startedAt scheduledAt } }",
        { id },
      )
    ).campaign;
  /** The campaign once every request has its outcome and the counters stand still (status as given). */
  const settled = (id: string, status: string, timeoutMs = 90_000) =>
    waitFor(
      `campaign ${id} ${status} with every outcome counted`,
      async () => {
        const view = await read(id);
        return view.status === status && view.sent + view.suppressed + view.failed === view.targeted ? view : undefined;
      },
      timeoutMs,
    );
  const messagesOf = async (customerId: string) =>
    (
      await gql<{ messages: { edges: { node: { status: string; reason: string | null; source: string | null } }[] } }>(
        "query($c: ID!) { messages(customerId: $c) { edges { node { status reason source } } } }",
        { c: customerId },
      )
    ).messages.edges.map((edge) => edge.node);
  return { account, customers, campaign, launch, cancel, read, settled, messagesOf };
}

/** How many emails each address received. */
function mailsTo(addresses: string[]): number[] {
  const received = new Map<string, number>();
  for (const message of smtp.state.messages()) {
    for (const to of message.envelope.rcptTo) received.set(to, (received.get(to) ?? 0) + 1);
  }
  return addresses.map((address) => received.get(address) ?? 0);
}

describe("a campaign to an audience", () => {
  it("given 1,000 members, 100 without email consent, when launched now, then each consenting member gets one email, the others are suppressed with the reason, and the counters add up", async () => {
    const members = await audienceOf(1_000, (i) => i % 10 !== 0);
    const id = await members.campaign();
    expect(await members.launch(id)).toBe("RUNNING");
    const done = await members.settled(id, "DONE");
    expect(done).toMatchObject({ targeted: 1_000, sent: 900, suppressed: 100, failed: 0, members: 1_000 });
    expect(mailsTo(members.customers.map(({ customerId }) => `${customerId}@example.com`))).toEqual(
      members.customers.map(({ consents }) => (consents ? 1 : 0)),
    );
    const refused = members.customers.find(({ consents }) => !consents);
    expect(await members.messagesOf(refused?.customerId ?? "")).toEqual([
      { status: "SUPPRESSED", reason: "NO_CONSENT", source: `campaign:${id}` },
    ]);
  }, 180_000);

  it("given a campaign scheduled a few seconds ahead and the scheduler restarted in between, then it starts at its time on its own", async () => {
    const members = await audienceOf(20, () => true);
    const scheduledAt = new Date(Date.now() + 4_000).toISOString();
    const id = await members.campaign({ scheduledAt });
    expect(await members.launch(id)).toBe("SCHEDULED");
    await scheduler.signal("SIGTERM");
    scheduler = await startScheduler();
    const done = await members.settled(id, "DONE");
    expect(done).toMatchObject({ targeted: 20, sent: 20, suppressed: 0, failed: 0 });
    expect(Date.parse(done.startedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(scheduledAt));
  }, 120_000);

  it("given a paced campaign, when cancelled midway, then it stops there with exact counters: every member asked for has one outcome, no other got anything", async () => {
    const members = await audienceOf(200, () => true);
    const id = await members.campaign({ maxPerMinute: 300 });
    await members.launch(id);
    await waitFor("a few members asked for", async () => ((await members.read(id)).targeted >= 10 ? true : undefined));
    expect(await members.cancel(id)).toBe("CANCELLED");
    // Its runner has let go of it: nothing more will be asked for.
    await waitFor("the run stopped", async () =>
      (await campaignsRepository(store.db).byId(id))?.runner === undefined ? true : undefined,
    );
    const cancelled = await members.settled(id, "CANCELLED");
    expect(cancelled.targeted).toBeLessThan(200);
    expect(cancelled).toMatchObject({ sent: cancelled.targeted, suppressed: 0, failed: 0 });
    const mails = mailsTo(members.customers.map(({ customerId }) => `${customerId}@example.com`));
    // Members are asked for in customer-id order: the first `targeted` of them, once each.
    const inOrder = members.customers.map(({ customerId }, i) => ({ customerId, mails: mails[i] }));
    inOrder.sort((a, b) => (a.customerId < b.customerId ? -1 : 1));
    expect(inOrder.map(({ mails }) => mails)).toEqual(inOrder.map((_, i) => (i < cancelled.targeted ? 1 : 0)));
  }, 120_000);

  it("given kill -9 of the scheduler midway, when it is started again, then the campaign finishes with every member sent exactly once: no duplicate, no gap", async () => {
    const members = await audienceOf(300, () => true);
    const id = await members.campaign({ maxPerMinute: 1_200 });
    await members.launch(id);
    await waitFor("a part of the members asked for", async () => {
      const { targeted } = await members.read(id);
      return targeted >= 40 ? true : undefined;
    });
    await scheduler.signal("SIGKILL");
    const atKill = await members.read(id);
    expect(atKill.targeted).toBeLessThan(300);
    scheduler = await startScheduler();
    const done = await members.settled(id, "DONE", 120_000);
    expect(done).toMatchObject({ targeted: 300, sent: 300, suppressed: 0, failed: 0 });
    expect(mailsTo(members.customers.map(({ customerId }) => `${customerId}@example.com`))).toEqual(
      members.customers.map(() => 1),
    );
  }, 180_000);

  it("given a pushTopic audience whose members' devices are in its topic, a viaPushTopic campaign sends one topic message that reaches them", async () => {
    const { account, adminKey } = await createTestAccount(masivo);
    const gql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
      const { body } = await postGraphQL(masivo.baseUrl, adminKey, { query, variables });
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data as T;
    };
    await gql("mutation($input: PushSettingsInput!) { configurePush(input: $input) { id } }", {
      input: fakeFcmSettings(fcm),
    });
    const { createTemplate } = await gql<{ createTemplate: { id: string } }>(
      "mutation($input: TemplateInput!) { createTemplate(input: $input) { id } }",
      { input: { name: "Flash", channel: "PUSH", push: { title: "{{ campaign.name }}", body: "Today only" } } },
    );
    const { createAudience } = await gql<{ createAudience: { id: string } }>(
      "mutation($input: AudienceInput!) { createAudience(input: $input) { id } }",
      { input: { name: uniqueId("Fans"), rules: { attribute: "tier", op: "eq", value: "fan" }, pushTopic: true } },
    );
    const tokens = [uniqueId("token-a"), uniqueId("token-b"), uniqueId("token-c")];
    for (const token of tokens) {
      const customerId = uniqueId("fan");
      await gql("mutation($input: CustomerInput!) { upsertCustomer(input: $input) { accepted } }", {
        input: { customerId, tier: "fan", consent: { push: "GRANTED" } },
      });
      await gql("mutation($input: DeviceInput!) { registerDevice(input: $input) { accepted } }", {
        input: { customerId, token, platform: "ANDROID" },
      });
    }
    const topic = fcmTopicName(account, createAudience.id);
    await waitFor("every member's device in the topic", async () =>
      fcm.topicTokens(topic).length === tokens.length ? true : undefined,
    );
    const { createCampaign } = await gql<{ createCampaign: { id: string } }>(
      "mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }",
      {
        input: { name: "Flash sale", audienceId: createAudience.id, templateId: createTemplate.id, viaPushTopic: true },
      },
    );
    await gql("mutation($id: ID!) { launchCampaign(id: $id) { status } }", { id: createCampaign.id });
    const done = await waitFor("the campaign done", async () => {
      const { campaign } = await gql<{ campaign: Counters }>(
        "query($id: ID!) { campaign(id: $id) { status targeted sent suppressed failed } }",
        { id: createCampaign.id },
      );
      return campaign.status === "DONE" ? campaign : undefined;
    });
    expect(done).toEqual({ status: "DONE", targeted: 1, sent: 1, suppressed: 0, failed: 0 });
    const topicMessages = fcm.messages().filter((received) => received.message.topic === topic);
    expect(topicMessages).toHaveLength(1);
    expect(topicMessages[0]?.message.notification?.title).toBe("Flash sale");
    expect(new Set(topicMessages[0]?.topicTokens)).toEqual(new Set(tokens));
  }, 120_000);
});
