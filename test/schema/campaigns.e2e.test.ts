import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Campaigns, campaignsRepository, connectStore, type Store } from "../../store/index.ts";
import { connectNats, type NatsLink, STREAM_NAMES, subjects } from "../../streams/index.ts";
import { createTestAccount, startGateways, type TestGateway } from "../support/gateways.ts";
import { openSseSubscription } from "../support/sseSubscription.ts";
import { postGraphQL } from "../support/startTestMasivo.ts";
import { readStream, waitFor } from "../support/streamReader.ts";
import { isolatedMongoUrl, uniqueId } from "../support/world.ts";

type Campaign = {
  id: string;
  name: string;
  status: string;
  audience: { id: string };
  template: { id: string; version: number };
  scheduledAt: string | null;
  maxPerMinute: number | null;
  viaPushTopic: boolean;
  members: number | null;
  targeted: number;
  sent: number;
  suppressed: number;
  failed: number;
  launchedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
};

const FIELDS = `id name status audience { id } template { id version } scheduledAt maxPerMinute viaPushTopic members
  targeted sent suppressed failed launchedAt startedAt finishedAt`;

type Account = { account: string; adminKey: string };

let gateway: TestGateway;
let store: Store;
let campaigns: Campaigns;
let link: NatsLink;
let account: Account;
let audienceId: string;
let emailTemplateId: string;
let pushTemplateId: string;

async function call<T>(query: string, variables: Record<string, unknown> = {}, on: Account = account) {
  const { body } = await postGraphQL(gateway.baseUrl, on.adminKey, { query, variables });
  return body as { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function created<T>(query: string, variables: Record<string, unknown>, on: Account = account): Promise<T> {
  const result = await call<T>(query, variables, on);
  expect(result.errors).toBeUndefined();
  return result.data as T;
}

const createTemplate = (on: Account, content: Record<string, unknown>) =>
  created<{ createTemplate: { id: string } }>(
    "mutation($input: TemplateInput!) { createTemplate(input: $input) { id } }",
    { input: { name: uniqueId("tpl"), category: "MARKETING", ...content } },
    on,
  ).then((data) => data.createTemplate.id);

const createAudience = (on: Account, pushTopic = false) =>
  created<{ createAudience: { id: string } }>(
    "mutation($input: AudienceInput!) { createAudience(input: $input) { id } }",
    { input: { name: uniqueId("Buyers"), kind: "STATIC", pushTopic } },
    on,
  ).then((data) => data.createAudience.id);

const EMAIL = { channel: "EMAIL", email: { subject: "Sale", text: "Everything half price" } };

const CREATE = `mutation($input: CampaignInput!) { createCampaign(input: $input) { ${FIELDS} } }`;
const LAUNCH = `mutation($id: ID!) { launchCampaign(id: $id) { ${FIELDS} } }`;
const CANCEL = `mutation($id: ID!) { cancelCampaign(id: $id) { ${FIELDS} } }`;

const createCampaign = (input: Record<string, unknown>, on: Account = account) =>
  call<{ createCampaign: Campaign }>(
    CREATE,
    { input: { name: "Winter sale", audienceId, templateId: emailTemplateId, ...input } },
    on,
  );

async function draft(input: Record<string, unknown> = {}, on: Account = account): Promise<Campaign> {
  const result = await createCampaign(input, on);
  expect(result.errors).toBeUndefined();
  return result.data?.createCampaign as Campaign;
}

async function acted(mutation: string, id: string): Promise<Campaign> {
  const result = await call<Record<string, Campaign>>(mutation, { id });
  expect(result.errors).toBeUndefined();
  return Object.values(result.data ?? {})[0] as Campaign;
}

type Alarm = { campaignId: string; scheduledAt: string };
const alarmIn = (data: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(data)) as Alarm;

/** The campaign's pending start on TIMERS (its firing time), or undefined when none is armed. */
async function scheduleOf(campaign: Campaign): Promise<string | undefined> {
  const jsm = await jetstreamManager(link.nc);
  const subject = subjects.campaignSchedule(account.account, campaign.id);
  try {
    return alarmIn((await jsm.streams.getMessage(STREAM_NAMES.timers, { last_by_subj: subject }))?.data).scheduledAt;
  } catch {
    return undefined;
  }
}

/** The campaign's start as TIMERS fired it (a start due now fires at once, and its schedule is gone then). */
const firedAlarmOf = (campaign: Campaign) =>
  waitFor(`the fired alarm of ${campaign.id}`, async () => {
    const fired = await readStream(link, STREAM_NAMES.timers, subjects.campaignFire(account.account));
    return fired.map((message) => alarmIn(message.data)).find((alarm) => alarm.campaignId === campaign.id);
  });

beforeAll(async () => {
  const mongoUrl = isolatedMongoUrl(uniqueId("db"));
  [gateway] = (await startGateways(1, { MONGODB_URL: mongoUrl })) as [TestGateway];
  store = await connectStore(mongoUrl);
  campaigns = campaignsRepository(store.db);
  link = await connectNats(inject("natsUrl"), "campaigns-test");
  account = await createTestAccount(gateway);
  audienceId = await createAudience(account);
  emailTemplateId = await createTemplate(account, EMAIL);
  pushTemplateId = await createTemplate(account, { channel: "PUSH", push: { title: "Sale", body: "Half price" } });
});
afterAll(async () => {
  await link?.close();
  await store?.close();
  await gateway?.stop();
});

describe("createCampaign", () => {
  it("makes a DRAFT with zero counters, not via a push topic unless asked", async () => {
    const campaign = await draft({ maxPerMinute: 600 });
    expect(campaign).toMatchObject({
      name: "Winter sale",
      status: "DRAFT",
      audience: { id: audienceId },
      template: { id: emailTemplateId, version: 1 },
      maxPerMinute: 600,
      viaPushTopic: false,
      members: null,
      targeted: 0,
      sent: 0,
      suppressed: 0,
      failed: 0,
      launchedAt: null,
      startedAt: null,
    });
    expect(campaign.id).toMatch(/^cmp_[0-9a-z]{9}[0-9a-f]{16}$/);
  });

  it.each([
    ["an unknown audience", { audienceId: "aud_none" }, "input.audienceId", "audience aud_none does not exist"],
    ["an unknown template", { templateId: "tpl-none" }, "input.templateId", "template tpl-none does not exist"],
    ["an empty name", { name: "   " }, "input.name", "must not be empty"],
    ["maxPerMinute 0", { maxPerMinute: 0 }, "input.maxPerMinute", "must be at least 1"],
  ])("refuses %s, naming the field", async (_case, input, field, message) => {
    const result = await createCampaign(input);
    expect(result.data).toBeNull();
    const [error] = result.errors ?? [];
    expect(error?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(error?.message).toContain(`${field}: ${message}`);
    expect(error?.extensions?.issues).toEqual([expect.objectContaining({ field })]);
  });

  it("refuses viaPushTopic with an EMAIL template or an audience without pushTopic, naming both", async () => {
    const refused = await createCampaign({ viaPushTopic: true });
    expect(refused.errors?.[0]?.extensions?.issues).toEqual([
      { field: "input.viaPushTopic", message: `needs a PUSH template; template ${emailTemplateId} is EMAIL` },
      {
        field: "input.viaPushTopic",
        message: `needs an audience with pushTopic on; audience ${audienceId} has it off`,
      },
    ]);
  });

  it("takes viaPushTopic with a PUSH template and a pushTopic audience", async () => {
    const topicAudience = await createAudience(account, true);
    const campaign = await draft({ viaPushTopic: true, templateId: pushTemplateId, audienceId: topicAudience });
    expect(campaign.viaPushTopic).toBe(true);
  });
});

describe("launchCampaign", () => {
  it("runs a campaign at once when no scheduledAt lies ahead, its start fired on TIMERS at once", async () => {
    const before = new Date();
    const campaign = await draft({ scheduledAt: new Date(Date.now() - 60_000).toISOString() });
    const launched = await acted(LAUNCH, campaign.id);
    expect(launched).toMatchObject({ status: "RUNNING", members: 0, template: { id: emailTemplateId, version: 1 } });
    expect(launched.startedAt).toBe(launched.launchedAt);
    expect(new Date(launched.startedAt ?? 0).getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect((await firedAlarmOf(campaign)).scheduledAt).toBe(launched.startedAt);
  });

  it("schedules a campaign whose scheduledAt lies ahead, armed for that time", async () => {
    const scheduledAt = new Date(Date.now() + 3_600_000).toISOString();
    const campaign = await draft({ scheduledAt });
    const launched = await acted(LAUNCH, campaign.id);
    expect(launched).toMatchObject({ status: "SCHEDULED", scheduledAt, startedAt: null, members: null });
    expect(launched.launchedAt).not.toBeNull();
    expect(await scheduleOf(campaign)).toBe(scheduledAt);
  });

  it("pins the template's version current at launch", async () => {
    const campaign = await draft();
    await created("mutation($id: ID!, $input: TemplateInput!) { updateTemplate(id: $id, input: $input) { version } }", {
      id: emailTemplateId,
      input: { name: "again", category: "MARKETING", ...EMAIL },
    });
    const launched = await acted(LAUNCH, campaign.id);
    expect(launched.template.version).toBe(2);
  });

  it("refuses to launch a campaign twice, saying its status", async () => {
    const campaign = await draft();
    await acted(LAUNCH, campaign.id);
    const again = await call(LAUNCH, { id: campaign.id });
    expect(again.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(again.errors?.[0]?.message).toBe(
      `id: campaign ${campaign.id} is RUNNING: only a DRAFT campaign can be launched`,
    );
  });
});

describe("cancelCampaign", () => {
  it("cancels a DRAFT", async () => {
    const cancelled = await acted(CANCEL, (await draft()).id);
    expect(cancelled.status).toBe("CANCELLED");
    expect(cancelled.finishedAt).not.toBeNull();
  });

  it("cancels a SCHEDULED campaign and removes its alarm", async () => {
    const campaign = await draft({ scheduledAt: new Date(Date.now() + 3_600_000).toISOString() });
    await acted(LAUNCH, campaign.id);
    expect(await scheduleOf(campaign)).toBeDefined();
    expect((await acted(CANCEL, campaign.id)).status).toBe("CANCELLED");
    expect(await scheduleOf(campaign)).toBeUndefined();
  });

  it("cancels a RUNNING campaign, then refuses once it is final", async () => {
    const campaign = await draft();
    await acted(LAUNCH, campaign.id);
    expect((await acted(CANCEL, campaign.id)).status).toBe("CANCELLED");
    const again = await call(CANCEL, { id: campaign.id });
    expect(again.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(again.errors?.[0]?.message).toContain(`campaign ${campaign.id} is CANCELLED`);
  });
});

describe("another account", () => {
  it("sees none of this account's campaigns: NOT_FOUND to act on, null to read", async () => {
    const campaign = await draft();
    const other = await createTestAccount(gateway);
    for (const mutation of [LAUNCH, CANCEL]) {
      const result = await call(mutation, { id: campaign.id }, other);
      expect(result.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    }
    const read = await call<{ campaign: Campaign | null }>(
      "query($id: ID!) { campaign(id: $id) { id } }",
      { id: campaign.id },
      other,
    );
    expect(read.data?.campaign).toBeNull();
    expect((await acted(LAUNCH, campaign.id)).status).toBe("RUNNING");
  });
});

describe("campaigns", () => {
  it("pages the account's campaigns newest first", async () => {
    const own = await createTestAccount(gateway);
    const audience = await createAudience(own);
    const template = await createTemplate(own, EMAIL);
    const ids: string[] = [];
    for (const name of ["first", "second", "third"]) {
      ids.push((await draft({ name, audienceId: audience, templateId: template }, own)).id);
    }
    type Page = {
      campaigns: { edges: { node: { name: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    };
    const PAGE =
      "query($after: String) { campaigns(first: 2, after: $after) { edges { node { name } } pageInfo { hasNextPage endCursor } } }";
    const one = await created<Page>(PAGE, {}, own);
    expect(one.campaigns.edges.map((edge) => edge.node.name)).toEqual(["third", "second"]);
    expect(one.campaigns.pageInfo).toEqual({ hasNextPage: true, endCursor: ids[1] });
    const two = await created<Page>(PAGE, { after: one.campaigns.pageInfo.endCursor }, own);
    expect(two.campaigns.edges.map((edge) => edge.node.name)).toEqual(["first"]);
    expect(two.campaigns.pageInfo.hasNextPage).toBe(false);
  });

  it("refuses a page beyond the bound and a cursor it did not give", async () => {
    const big = await call("{ campaigns(first: 201) { edges { cursor } } }");
    expect(big.errors?.[0]?.message).toBe("first: must be at most 200");
    const cursor = await call('{ campaigns(after: "x") { edges { cursor } } }');
    expect(cursor.errors?.[0]?.message).toBe("after: must be an endCursor of campaigns");
  });
});

describe("campaignProgress", () => {
  const PROGRESS = "subscription($id: ID!) { campaignProgress(id: $id) { status targeted sent suppressed failed } }";
  const subscribe = (id: string, on: Account = account) =>
    openSseSubscription(
      gateway.baseUrl,
      { authorization: `Bearer ${on.adminKey}` },
      { query: PROGRESS, variables: { id } },
    );

  it("yields the campaign, then each change of its counters, and ends after a final status", async () => {
    const campaign = await draft();
    await acted(LAUNCH, campaign.id);
    const progress = await subscribe(campaign.id);
    try {
      const at = { status: "RUNNING", targeted: 0, sent: 0, suppressed: 0, failed: 0 };
      expect((await progress.next()).data).toEqual({ campaignProgress: at });
      expect(await campaigns.count(campaign.id, { sent: 2, suppressed: 1, failed: 0 }, 0, 7)).toBe(true);
      expect((await progress.next()).data).toEqual({ campaignProgress: { ...at, sent: 2, suppressed: 1 } });
      await acted(CANCEL, campaign.id);
      expect((await progress.next()).data).toEqual({
        campaignProgress: { ...at, status: "CANCELLED", sent: 2, suppressed: 1 },
      });
      await expect(progress.next()).rejects.toThrow("subscription ended");
    } finally {
      progress.close();
    }
  });

  it("is NOT_FOUND for another account's campaign", async () => {
    const campaign = await draft();
    const other = await createTestAccount(gateway);
    const progress = await subscribe(campaign.id, other);
    try {
      const { errors } = await progress.next();
      expect(errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    } finally {
      progress.close();
    }
  });
});
