import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeFcm, startFakeFcm } from "../../../fakes/push/index.ts";
import { type FakeSmtp, relaySettings, startFakeSmtp } from "../../../fakes/smtp/index.ts";
import { type FakeWhatsApp, startFakeWhatsApp } from "../../../fakes/whatsapp/index.ts";
import { fakeFcmSettings } from "../../support/fakeFcmSettings.ts";
import { createApiKey, createTestAccount } from "../../support/gateways.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { openSseSubscription } from "../../support/sseSubscription.ts";
import { postGraphQL, startTestMasivo } from "../../support/startTestMasivo.ts";
import { waitFor } from "../../support/streamReader.ts";
import { createTokenSigner, type TokenSigner } from "../../support/userTokens.ts";
import { TEST_MASTER_KEY, TEST_ROOT_KEY, uniqueId } from "../../support/world.ts";

/**
 * The send path end to end (issue 13's "Done when"): GraphQL → the customer actor's decision →
 * MESSAGES → the channel workers → the fake providers, on a nats-server of its own (the channel
 * consumers are durable and shared by name).
 */

let nats: PrivateNats;
let masivo: Awaited<ReturnType<typeof startTestMasivo>>;
let smtp: FakeSmtp;
let fcm: FakeFcm;
let whatsapp: FakeWhatsApp;
let signer: TokenSigner;
let admin: string;
let sdkKey: string;
/** Added to the customers' and channels' clock: a day later, for caps. */
let clockOffsetMs = 0;

type Result = { data?: Record<string, unknown> | null; errors?: { message: string }[] };
async function gql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) {
  const { body } = await postGraphQL(masivo.baseUrl, admin, { query, variables });
  if ((body as Result).errors) throw new Error(JSON.stringify((body as Result).errors));
  return (body as { data: T }).data;
}

async function createTemplate(input: Record<string, unknown>): Promise<string> {
  const data = await gql<{ createTemplate: { id: string } }>(
    "mutation($input: TemplateInput!) { createTemplate(input: $input) { id } }",
    { input },
  );
  return data.createTemplate.id;
}

async function upsert(input: Record<string, unknown>) {
  await gql("mutation($input: CustomerInput!) { upsertCustomer(input: $input) { accepted } }", { input });
}

async function send(customerId: string, templateId: string, key = uniqueId("k"), data?: Record<string, unknown>) {
  await gql("mutation($input: SendMessageInput!) { sendMessage(input: $input) { accepted } }", {
    input: { customerId, templateId, idempotencyKey: key, ...(data ? { data } : {}) },
  });
  return key;
}

type Message = { id: string; status: string; reason: string | null; providerMessageId: string | null; channel: string };
async function messagesOf(customerId: string): Promise<Message[]> {
  const data = await gql<{ messages: { edges: { node: Message }[] } }>(
    "query($c: ID!) { messages(customerId: $c) { edges { node { id status reason providerMessageId channel } } } }",
    { c: customerId },
  );
  return data.messages.edges.map((edge) => edge.node);
}

/** The message of send `key`, once it is no longer QUEUED. */
function outcome(customerId: string, key: string, timeoutMs?: number): Promise<Message> {
  return waitFor(
    `message ${key}`,
    async () => {
      const found = (await messagesOf(customerId)).find((message) => message.id === `api:${key}`);
      return found && found.status !== "QUEUED" ? found : undefined;
    },
    timeoutMs,
  );
}

/** Waits until the customer's actor applied what was sent for it (its email, consent, devices, time zone). */
function customerReads<T>(customerId: string, fields: string, check: (customer: T) => boolean) {
  return waitFor(`customer ${customerId}`, async () => {
    const data = await gql<{ customer: T | null }>(`query($c: ID!) { customer(customerId: $c) { ${fields} } }`, {
      c: customerId,
    });
    return data.customer && check(data.customer) ? data.customer : undefined;
  });
}

async function emailCustomer(consent = "GRANTED", extra: Record<string, unknown> = {}) {
  const customerId = uniqueId("c");
  const email = `${customerId}@example.com`;
  await upsert({ customerId, email, firstName: "Ana", consent: { email: consent }, ...extra });
  await customerReads<{ email: string }>(customerId, "email", (customer) => customer.email === email);
  return { customerId, email };
}

beforeAll(async () => {
  nats = await startPrivateNats();
  smtp = await startFakeSmtp();
  fcm = await startFakeFcm();
  whatsapp = await startFakeWhatsApp({
    templates: [{ name: "order_shipped", language: "en_US", body: "Hi {{1}}, order {{2}} shipped" }],
  });
  masivo = await startTestMasivo(
    {
      NATS_URL: nats.url,
      MASIVO_ROOT_KEY: TEST_ROOT_KEY,
      MASIVO_MASTER_KEY: TEST_MASTER_KEY,
      MASIVO_ALLOW_LOCAL_DESTINATIONS: "1",
      MASIVO_CHANNEL_TAKEOVER_SECONDS: "5",
    },
    { now: () => new Date(Date.now() + clockOffsetMs), channelTuning: { settingsRefreshMs: 100 } },
  );
  const account = await createTestAccount(masivo);
  admin = account.adminKey;
  sdkKey = (await createApiKey(masivo, admin, "SDK")).key;
  signer = await createTokenSigner("ES256");
  await gql("mutation($input: SdkAuthenticationInput!) { configureSdkAuthentication(input: $input) { required } }", {
    input: { required: false, publicKeys: [signer.publicKey] },
  });
  await gql("mutation($input: EmailSettingsInput!) { configureEmail(input: $input) { id } }", {
    input: relaySettings(smtp, { fromName: "Shop" }),
  });
  await gql("mutation($input: PushSettingsInput!) { configurePush(input: $input) { id } }", {
    input: fakeFcmSettings(fcm),
  });
  await gql("mutation($input: WhatsAppSettingsInput!) { configureWhatsApp(input: $input) { id } }", {
    input: {
      phoneNumberId: whatsapp.phoneNumberIds[0],
      accessToken: whatsapp.accessTokens[0],
      endpoint: whatsapp.url,
      maxPerSecond: 50,
    },
  });
}, 120_000);

afterAll(async () => {
  await masivo?.stop();
  await smtp?.close();
  await fcm?.close();
  await whatsapp?.close();
  await nats?.close();
});

describe("email", () => {
  let marketing: string;
  beforeAll(async () => {
    marketing = await createTemplate({
      name: "welcome",
      channel: "EMAIL",
      email: {
        subject: "Welcome, {{ customer.firstName }}",
        html: "<p>Your code: {{ data.code }}</p>",
        text: "Your code: {{ data.code }}",
      },
    });
  });

  it("arrives once, rendered, with a Message-ID from the send key and one-click unsubscribe headers", async () => {
    const { customerId, email } = await emailCustomer();
    const key = await send(customerId, marketing, undefined, { code: "<b>X1</b>" });
    expect(await outcome(customerId, key)).toMatchObject({ status: "SENT", channel: "EMAIL" });
    const received = smtp.state.messages().filter((message) => message.envelope.rcptTo.includes(email));
    expect(received).toHaveLength(1);
    const [mail] = received;
    expect(mail?.subject).toBe("Welcome, Ana");
    expect(mail?.html).toContain("&lt;b&gt;X1&lt;/b&gt;");
    expect(mail?.text?.trim()).toBe("Your code: <b>X1</b>");
    expect(mail?.messageId).toMatch(/^<[A-Za-z0-9_-]+@shop\.example>$/);
    expect(mail?.headers["list-unsubscribe"]).toMatch(new RegExp(`^<${masivo.baseUrl}/unsubscribe/[^>]+>$`));
    expect(mail?.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");

    // The same idempotency key again sends nothing more.
    await send(customerId, marketing, key, { code: "<b>X1</b>" });
    const later = await send(customerId, marketing, undefined, { code: "Z" });
    await outcome(customerId, later);
    expect(smtp.state.messages().filter((message) => message.messageId === mail?.messageId)).toHaveLength(1);
  });

  it("unsubscribes through the link: later marketing mail is SUPPRESSED (NO_CONSENT), a transactional one is sent", async () => {
    const { customerId, email } = await emailCustomer();
    const first = await send(customerId, marketing, undefined, { code: "A" });
    await outcome(customerId, first);
    const [mail] = smtp.state.messages().filter((message) => message.envelope.rcptTo.includes(email));
    const link = /^<(.+)>$/.exec(mail?.headers["list-unsubscribe"] ?? "")?.[1] ?? "";
    const posted = await fetch(link, { method: "POST", body: "List-Unsubscribe=One-Click" });
    expect(posted.status).toBe(200);
    await customerReads<{ consent: { email: string } }>(
      customerId,
      "consent { email }",
      (c) => c.consent.email === "DENIED",
    );

    const suppressed = await send(customerId, marketing, undefined, { code: "B" });
    expect(await outcome(customerId, suppressed)).toMatchObject({ status: "SUPPRESSED", reason: "NO_CONSENT" });
    const receipt = await createTemplate({
      name: "receipt",
      channel: "EMAIL",
      category: "TRANSACTIONAL",
      email: { subject: "Your receipt", text: "Thanks, {{ customer.firstName }}" },
    });
    const transactional = await send(customerId, receipt);
    expect(await outcome(customerId, transactional)).toMatchObject({ status: "SENT" });
    const mails = smtp.state.messages().filter((message) => message.envelope.rcptTo.includes(email));
    expect(mails.map((message) => message.subject)).toEqual(["Welcome, Ana", "Your receipt"]);
    expect(mails[1]?.headers["list-unsubscribe"]).toBeUndefined();
  });

  it("fails a send whose template reads a missing variable, naming the variable, and sends nothing", async () => {
    const { customerId, email } = await emailCustomer();
    const broken = await createTemplate({
      name: "broken",
      channel: "EMAIL",
      email: { subject: "Hi", text: "Your tier: {{ customer.attributes.loyaltyTier }}" },
    });
    const key = await send(customerId, broken);
    const failed = await outcome(customerId, key);
    expect(failed.status).toBe("FAILED");
    expect(failed.reason).toContain("customer.attributes.loyaltyTier");
    expect(smtp.state.messages().filter((message) => message.envelope.rcptTo.includes(email))).toHaveLength(0);
  });
});

describe("push", () => {
  it("reaches each device once and removes a dead token from the customer", async () => {
    const customerId = uniqueId("c");
    await upsert({ customerId, consent: { push: "GRANTED" } });
    const tokens = [uniqueId("android"), uniqueId("ios"), uniqueId("dead")];
    for (const [i, token] of tokens.entries()) {
      await gql("mutation($input: DeviceInput!) { registerDevice(input: $input) { accepted } }", {
        input: { customerId, token, platform: i === 1 ? "IOS" : "ANDROID" },
      });
    }
    await customerReads<{ devices: unknown[] }>(customerId, "devices { token }", (c) => c.devices.length === 3);
    fcm.unregister(tokens[2] as string);
    const template = await createTemplate({
      name: "sale",
      channel: "PUSH",
      push: { title: "Hi {{ customer.customerId }}", body: "20% off", ttlSeconds: 3600 },
    });
    const key = await send(customerId, template);
    expect(await outcome(customerId, key)).toMatchObject({ status: "SENT", channel: "PUSH" });
    for (const token of tokens.slice(0, 2)) {
      const received = fcm.messages(token);
      expect(received, token).toHaveLength(1);
      expect(received[0]?.message.notification).toMatchObject({ title: `Hi ${customerId}`, body: "20% off" });
    }
    await customerReads<{ devices: { token: string }[] }>(
      customerId,
      "devices { token }",
      (c) => c.devices.every((device) => device.token !== tokens[2]) && c.devices.length === 2,
    );
  });
});

describe("WhatsApp", () => {
  it("sends the approved template with rendered parameters, and 131047 is permanent (never retried)", async () => {
    const customerId = uniqueId("c");
    await upsert({ customerId, firstName: "Ana", phone: "+15551230001", consent: { whatsapp: "GRANTED" } });
    await customerReads<{ phone: string }>(customerId, "phone", (c) => c.phone === "+15551230001");
    const template = await createTemplate({
      name: "shipped",
      channel: "WHATSAPP",
      category: "TRANSACTIONAL",
      whatsapp: {
        templateName: "order_shipped",
        language: "en_US",
        bodyParameters: ["{{ customer.firstName }}", "{{ data.order }}"],
      },
    });
    const sent = await send(customerId, template, undefined, { order: "A-100" });
    expect(await outcome(customerId, sent)).toMatchObject({ status: "SENT" });
    const [message] = whatsapp.state.messages({ to: "15551230001" });
    expect(message?.template?.rendered.body).toBe("Hi Ana, order A-100 shipped");

    whatsapp.faults.add({ to: "15551230001", kind: "error", code: 131047 });
    const requestsBefore = whatsapp.state.requests().length;
    const refused = await send(customerId, template, undefined, { order: "A-101" });
    const failed = await outcome(customerId, refused);
    expect(failed.status).toBe("FAILED");
    expect(failed.reason).toContain("131047");
    expect(whatsapp.state.requests().length - requestsBefore).toBe(1);
  });
});

describe("in-app", () => {
  it("appears in inAppMessages and on the subscription; an SDK token for another customer cannot read it", async () => {
    const customerId = uniqueId("c");
    await upsert({ customerId, firstName: "Ana" });
    await customerReads<{ firstName: string }>(customerId, "firstName", (c) => c.firstName === "Ana");
    const template = await createTemplate({
      name: "banner",
      channel: "IN_APP",
      inApp: { title: "Hello {{ customer.firstName }}", body: "New arrivals" },
    });
    const subscription = await openSseSubscription(
      masivo.baseUrl,
      { authorization: `Bearer ${admin}` },
      {
        query: "subscription($c: ID!) { inAppMessageReceived(customerId: $c) { id title } }",
        variables: { c: customerId },
      },
    );
    const key = await send(customerId, template);
    expect(await outcome(customerId, key)).toMatchObject({ status: "SENT", channel: "IN_APP" });
    const event = await subscription.next();
    expect(event.data?.inAppMessageReceived).toMatchObject({ title: "Hello Ana" });
    subscription.close();

    const list = "query($c: ID!) { inAppMessages(customerId: $c) { id title body } }";
    const own = await postGraphQL(
      masivo.baseUrl,
      sdkKey,
      { query: list, variables: { c: customerId } },
      { "x-masivo-user": await signer.sign({ sub: customerId }) },
    );
    expect(own.body.data).toEqual({
      inAppMessages: [expect.objectContaining({ title: "Hello Ana", body: "New arrivals" })],
    });
    const other = await postGraphQL(
      masivo.baseUrl,
      sdkKey,
      { query: list, variables: { c: customerId } },
      { "x-masivo-user": await signer.sign({ sub: "someone-else" }) },
    );
    expect(other.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("caps and quiet hours", () => {
  it("with a cap of 1 email a day, the second is CAPPED and the next local day's is sent", async () => {
    const { customerId } = await emailCustomer("GRANTED", { timezone: "Europe/Madrid" });
    await customerReads<{ timezone: string }>(customerId, "timezone", (c) => c.timezone === "Europe/Madrid");
    await gql("mutation($input: MessagingSettingsInput!) { configureMessaging(input: $input) { timezone } }", {
      input: { caps: [{ channel: "EMAIL", max: 1, per: "DAY" }] },
    });
    const template = await createTemplate({
      name: "daily",
      channel: "EMAIL",
      email: { subject: "Daily", text: "news" },
    });
    try {
      expect(await outcome(customerId, await send(customerId, template))).toMatchObject({ status: "SENT" });
      expect(await outcome(customerId, await send(customerId, template))).toMatchObject({
        status: "SUPPRESSED",
        reason: "CAPPED",
      });
      clockOffsetMs = 24 * 3_600_000;
      expect(await outcome(customerId, await send(customerId, template))).toMatchObject({ status: "SENT" });
    } finally {
      clockOffsetMs = 0;
      await gql("mutation($input: MessagingSettingsInput!) { configureMessaging(input: $input) { timezone } }", {
        input: { caps: [] },
      });
    }
  });

  it("quiet hours DEFER a marketing send to the window's end", async () => {
    const { customerId, email } = await emailCustomer("GRANTED", { timezone: "UTC" });
    await customerReads<{ timezone: string }>(customerId, "timezone", (c) => c.timezone === "UTC");
    // A window from this minute to the next: the send waits for the next minute to begin.
    const now = new Date();
    const hhmm = (date: Date) => date.toISOString().slice(11, 16);
    const end = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000);
    await gql("mutation($input: MessagingSettingsInput!) { configureMessaging(input: $input) { timezone } }", {
      input: { quietHours: { start: hhmm(now), end: hhmm(end), action: "DEFER" }, caps: [] },
    });
    const template = await createTemplate({ name: "night", channel: "EMAIL", email: { subject: "Later", text: "x" } });
    try {
      const key = await send(customerId, template);
      expect(await outcome(customerId, key, 90_000)).toMatchObject({
        status: "SENT",
      });
      const [mail] = smtp.state.messages().filter((message) => message.envelope.rcptTo.includes(email));
      expect(mail?.receivedAt).toBeGreaterThanOrEqual(end.getTime());
    } finally {
      await gql("mutation($input: MessagingSettingsInput!) { configureMessaging(input: $input) { timezone } }", {
        input: { caps: [] },
      });
    }
  }, 120_000);
});
