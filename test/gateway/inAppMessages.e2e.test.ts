import { jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { CustomerFact } from "../../model/index.ts";
import {
  connectStore,
  type InAppMessages,
  inAppMessageId,
  inAppMessagesRepository,
  type Store,
} from "../../store/index.ts";
import { connectNats, encodeFact, factSubject, type NatsLink } from "../../streams/index.ts";
import { createTestAccount, startGateways, type TestGateway } from "../support/gateways.ts";
import { openSseSubscription } from "../support/sseSubscription.ts";
import { postGraphQL } from "../support/startTestMasivo.ts";
import { createTokenSigner, type TokenSigner } from "../support/userTokens.ts";
import { isolatedMongoUrl, uniqueId } from "../support/world.ts";

let gateway: TestGateway;
let store: Store;
let inbox: InAppMessages;
let link: NatsLink;
let signer: TokenSigner;
let account: { account: string; adminKey: string; sdkKey: string };

const LIST = `query($c: ID!, $unread: Boolean) {
  inAppMessages(customerId: $c, unreadOnly: $unread) { id title body imageUrl buttons payload createdAt expiresAt readAt }
}`;
const MARK = "mutation($c: ID!, $id: ID!, $s: InAppState!) { markInAppMessage(customerId: $c, id: $id, state: $s) }";
const RECEIVED = "subscription($c: ID!) { inAppMessageReceived(customerId: $c) { id title } }";
const CONFIGURE =
  "mutation($input: SdkAuthenticationInput!) { configureSdkAuthentication(input: $input) { required } }";

beforeAll(async () => {
  const mongoUrl = isolatedMongoUrl(uniqueId("db"));
  [gateway] = (await startGateways(1, { MONGODB_URL: mongoUrl })) as [TestGateway];
  store = await connectStore(mongoUrl);
  inbox = inAppMessagesRepository(store.db);
  link = await connectNats(inject("natsUrl"), "in-app-test");
  signer = await createTokenSigner("ES256");
  account = await createTestAccount(gateway);
  const configured = await call(account.adminKey, CONFIGURE, {
    input: { required: false, publicKeys: [signer.publicKey] },
  });
  expect(configured.body.errors).toBeUndefined();
});
afterAll(async () => {
  await link?.close();
  await store?.close();
  await gateway?.stop();
});

function call(key: string, query: string, variables: Record<string, unknown>, userToken?: string) {
  return postGraphQL(gateway.baseUrl, key, { query, variables }, userToken ? { "x-masivo-user": userToken } : {});
}

async function deliver(customerId: string, sendKey: string, options: { title?: string; expired?: boolean } = {}) {
  const createdAt = new Date(Date.now() - (options.expired ? 2 * 3_600_000 : 0));
  await inbox.deliver({
    account: account.account,
    customerId,
    sendKey,
    content: { title: options.title ?? `Hi ${customerId}`, body: "b", payload: { screen: "home" } },
    createdAt,
    expiresAt: new Date(createdAt.getTime() + 3_600_000),
  });
  return inAppMessageId(account.account, sendKey);
}

/** What the in-app channel publishes once it delivered a send. */
async function publishDelivered(customerId: string, sendKey: string) {
  const fact: CustomerFact = {
    type: "message.recorded",
    data: {
      sendKey,
      channel: "IN_APP",
      status: "SENT",
      templateId: "tpl-1",
      templateVersion: 1,
      source: "api",
      at: new Date().toISOString(),
    },
    metadata: {
      account: account.account,
      customerId,
      factId: uniqueId("f"),
      at: new Date().toISOString(),
      sourceSeq: 1,
    },
  };
  await jetstream(link.nc).publish(factSubject(fact), encodeFact(fact));
}

describe("inAppMessages", () => {
  it("lists a customer's inbox to an ADMIN key, newest first", async () => {
    const customer = uniqueId("c");
    const older = await deliver(customer, uniqueId("k"), { title: "older" });
    const newer = await deliver(customer, uniqueId("k"), { title: "newer" });
    await deliver(customer, uniqueId("k"), { expired: true });
    const result = await call(account.adminKey, LIST, { c: customer });
    const listed = (result.body.data as { inAppMessages: { id: string; title: string }[] }).inAppMessages;
    expect(listed.map(({ id, title }) => ({ id, title }))).toEqual([
      { id: newer, title: "newer" },
      { id: older, title: "older" },
    ]);
    expect(listed[0]).toMatchObject({ body: "b", payload: { screen: "home" }, imageUrl: null, readAt: null });
  });

  it("lets an SDK key read and mark the inbox of the customer its user token names, and no other", async () => {
    const [a, b] = [uniqueId("a"), uniqueId("b")];
    const mine = await deliver(a, uniqueId("k"));
    const theirs = await deliver(b, uniqueId("k"));
    const tokenA = await signer.sign({ sub: a });

    const own = await call(account.sdkKey, LIST, { c: a }, tokenA);
    expect((own.body.data as { inAppMessages: { id: string }[] }).inAppMessages.map(({ id }) => id)).toEqual([mine]);

    const other = await call(account.sdkKey, LIST, { c: b }, tokenA);
    expect(other.body.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "customerId" });
    const markOther = await call(account.sdkKey, MARK, { c: b, id: theirs, s: "READ" }, tokenA);
    expect(markOther.body.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN" });
    // Naming B's message under A's own id is no way in either.
    const smuggled = await call(account.sdkKey, MARK, { c: a, id: theirs, s: "DISMISSED" }, tokenA);
    expect(smuggled.body.data).toEqual({ markInAppMessage: false });
    expect((await inbox.get(account.account, theirs))?.dismissedAt).toBeUndefined();

    const read = await call(account.sdkKey, MARK, { c: a, id: mine, s: "READ" }, tokenA);
    expect(read.body.data).toEqual({ markInAppMessage: true });
    const unread = await call(account.sdkKey, LIST, { c: a, unread: true }, tokenA);
    expect(unread.body.data).toEqual({ inAppMessages: [] });
  });

  it("refuses an SDK key without a user token, even where the account does not require one", async () => {
    const customer = uniqueId("c");
    await deliver(customer, uniqueId("k"));
    const result = await call(account.sdkKey, LIST, { c: customer });
    expect(result.body.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "customerId" });
    expect(result.body.data ?? null).toBeNull();
  });

  it("shows another account's ADMIN nothing of this account's inboxes", async () => {
    const customer = uniqueId("c");
    const id = await deliver(customer, uniqueId("k"));
    const stranger = await createTestAccount(gateway);
    expect((await call(stranger.adminKey, LIST, { c: customer })).body.data).toEqual({ inAppMessages: [] });
    const marked = await call(stranger.adminKey, MARK, { c: customer, id, s: "DISMISSED" });
    expect(marked.body.data).toEqual({ markInAppMessage: false });
  });

  it("refuses an SDK key without a token as UNAUTHENTICATED where the account requires tokens", async () => {
    const strict = await createTestAccount(gateway);
    const configured = await call(strict.adminKey, CONFIGURE, {
      input: { required: true, publicKeys: [signer.publicKey] },
    });
    expect(configured.body.errors).toBeUndefined();
    const result = await call(strict.sdkKey, LIST, { c: "c-1" });
    expect(result.body.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "MISSING" });
  });

  it("refuses a caller without a key", async () => {
    const result = await postGraphQL(gateway.baseUrl, undefined, { query: LIST, variables: { c: "c-1" } });
    expect(result.body.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED" });
  });
});

describe("inAppMessageReceived", () => {
  it("yields the customer's message once its delivery is published, skipping others' and expired ones", async () => {
    const [a, b] = [uniqueId("a"), uniqueId("b")];
    const token = await signer.sign({ sub: a });
    const subscription = await openSseSubscription(
      gateway.baseUrl,
      { authorization: `Bearer ${account.sdkKey}`, "x-masivo-user": token },
      { query: RECEIVED, variables: { c: a } },
    );
    try {
      const [othersKey, expiredKey, liveKey] = [uniqueId("k"), uniqueId("k"), uniqueId("k")];
      await deliver(b, othersKey);
      await deliver(a, expiredKey, { expired: true });
      const live = await deliver(a, liveKey, { title: "live" });
      await publishDelivered(b, othersKey);
      await publishDelivered(a, expiredKey);
      await publishDelivered(a, liveKey);
      expect(await subscription.next()).toEqual({ data: { inAppMessageReceived: { id: live, title: "live" } } });
    } finally {
      subscription.close();
    }
  });

  it("refuses an SDK user token for another customer", async () => {
    const token = await signer.sign({ sub: uniqueId("a") });
    const subscription = await openSseSubscription(
      gateway.baseUrl,
      { authorization: `Bearer ${account.sdkKey}`, "x-masivo-user": token },
      { query: RECEIVED, variables: { c: uniqueId("b") } },
    );
    try {
      expect((await subscription.next()).errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN" });
    } finally {
      subscription.close();
    }
  });
});
