import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretBox, openChannelConfig } from "../../store/index.ts";
import { refused } from "../support/refusal.ts";
import { startSettingsWorlds } from "../support/settingsWorlds.ts";
import { TEST_MASTER_KEY, type World } from "../support/world.ts";

/**
 * Channel settings through the gateway: each configure stores the settings and seals the secrets,
 * never returns a secret, and refuses a bad value naming its field; a local endpoint needs
 * MASIVO_ALLOW_LOCAL_DESTINATIONS.
 */
let world: World;
let strict: World;
let sdkKey: string;

beforeAll(async () => {
  ({ world, strict, sdkKey } = await startSettingsWorlds());
});
afterAll(async () => {
  await Promise.all([world?.close(), strict?.close()]);
});

const pem = (pair: { privateKey: string }) => pair.privateKey;
const RSA_KEY = pem(
  generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }),
);
const P256_KEY = pem(
  generateKeyPairSync("ec", {
    namedCurve: "prime256v1",
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }),
);
const P384_KEY = pem(
  generateKeyPairSync("ec", {
    namedCurve: "secp384r1",
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }),
);

const INTEGRATION = "{ id kind status settings }";
type Integration = { id: string; kind: string; status: string; settings: Record<string, unknown> };

const EMAIL = {
  host: "email-smtp.eu-west-1.amazonaws.com",
  port: 587,
  username: "AKIAEXAMPLE",
  password: "smtp-password-never-returned",
  fromAddress: "news@example.com",
  fromName: "Example News",
};
const SERVICE_ACCOUNT = {
  type: "service_account",
  project_id: "example-app",
  private_key_id: "abc123",
  private_key: RSA_KEY,
  client_email: "masivo@example-app.iam.gserviceaccount.com",
  token_uri: "https://oauth2.googleapis.com/token",
};
const APNS = { teamId: "ABCDE12345", keyId: "KEY1234567", privateKey: P256_KEY, bundleId: "com.example.app" };
const WHATSAPP = { phoneNumberId: "106540352242922", accessToken: "EAAG-never-returned" };

const configure = (mutation: string, input: string, variables: Record<string, unknown>, on = world, key?: string) =>
  on.graphql<Record<string, Integration>>(
    `mutation($i: ${input}!) { ${mutation}(input: $i) ${INTEGRATION} }`,
    { i: variables },
    key,
  );
const configureEmail = (input: Record<string, unknown>, on = world) =>
  configure("configureEmail", "EmailSettingsInput", input, on);
const configurePush = (input: Record<string, unknown>, on = world) =>
  configure("configurePush", "PushSettingsInput", input, on);
const configureWhatsApp = (input: Record<string, unknown>, on = world) =>
  configure("configureWhatsApp", "WhatsAppSettingsInput", input, on);

const listed = async () =>
  (await world.graphql<{ integrations: Integration[] }>(`query { integrations ${INTEGRATION} }`)).data?.integrations ??
  [];

describe("configureEmail", () => {
  it("stores the SMTP settings and seals the password, which is never returned", async () => {
    const result = await configureEmail(EMAIL);
    expect(result.errors).toBeUndefined();
    expect(result.data?.configureEmail).toEqual({
      id: `email_${world.account}`,
      kind: "email",
      status: "HEALTHY",
      settings: { ...EMAIL, password: undefined, secure: false, maxPerSecond: 14 },
    });
    expect(JSON.stringify(result)).not.toContain(EMAIL.password);
    expect(JSON.stringify(await listed())).not.toContain(EMAIL.password);

    const stored = (await world.services.integrations.channelIntegration(world.account, "email")) ?? expect.fail();
    expect(openChannelConfig(stored, createSecretBox(TEST_MASTER_KEY)).secrets).toEqual({ password: EMAIL.password });
  });

  it("replaces the first configuration with a second", async () => {
    await configureEmail(EMAIL);
    const second = await configureEmail({ ...EMAIL, port: 465, maxPerSecond: 50, username: null, password: null });
    expect(second.data?.configureEmail?.settings).toEqual({
      host: EMAIL.host,
      port: 465,
      secure: true,
      fromAddress: EMAIL.fromAddress,
      fromName: EMAIL.fromName,
      maxPerSecond: 50,
    });
    expect((await listed()).filter((integration) => integration.kind === "email")).toHaveLength(1);
  });

  it("refuses a bad value naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ fromAddress: "not an address" }, "input.fromAddress"],
      [{ host: "localhost" }, "input.host"],
      [{ host: "10.0.0.8" }, "input.host"],
      [{ port: 70_000 }, "input.port"],
      [{ password: null }, "input.password"],
      [{ maxPerSecond: 0 }, "input.maxPerSecond"],
      [{ maxPerSecond: 1_001 }, "input.maxPerSecond"],
      [{ replyTo: "nobody" }, "input.replyTo"],
    ];
    for (const [change, field] of cases) {
      expect(refused(await configureEmail({ ...EMAIL, ...change })), field).toMatchObject({
        code: "BAD_USER_INPUT",
        fields: [field],
      });
    }
  });

  it("accepts the local SMTP host only with MASIVO_ALLOW_LOCAL_DESTINATIONS", async () => {
    expect((await configureEmail({ ...EMAIL, host: "127.0.0.1", port: 2525 })).errors).toBeUndefined();
    expect(refused(await configureEmail({ ...EMAIL, host: "127.0.0.1", port: 2525 }, strict))).toMatchObject({
      fields: ["input.host"],
      messages: [expect.stringContaining("MASIVO_ALLOW_LOCAL_DESTINATIONS=1")],
    });
  });

  it("is not a destination: resyncIntegration refuses it, and the destination worker is not handed it", async () => {
    await configureEmail(EMAIL);
    const id = `email_${world.account}`;
    const result = await world.graphql("mutation($id: ID!) { resyncIntegration(id: $id) }", { id });
    expect(refused(result)).toMatchObject({ code: "BAD_USER_INPUT", fields: ["id"] });
    expect(await world.services.integrations.requestResync(id, "GAP")).toBeUndefined();
    expect((await world.services.integrations.get(id)) ?? expect.fail()).not.toHaveProperty("resync");
    expect((await world.services.integrations.destinations()).map((i) => i._id)).not.toContain(id);
  });

  it("is for ADMIN keys only", async () => {
    const result = await configure("configureEmail", "EmailSettingsInput", EMAIL, world, sdkKey);
    expect(result.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("configurePush", () => {
  it("stores FCM and APNs settings, their keys sealed and never returned", async () => {
    const result = await configurePush({ fcmServiceAccount: SERVICE_ACCOUNT, apns: APNS });
    expect(result.errors).toBeUndefined();
    expect(result.data?.configurePush).toEqual({
      id: `push_${world.account}`,
      kind: "push",
      status: "HEALTHY",
      settings: {
        fcm: {
          projectId: SERVICE_ACCOUNT.project_id,
          clientEmail: SERVICE_ACCOUNT.client_email,
          tokenUri: SERVICE_ACCOUNT.token_uri,
        },
        apns: { teamId: APNS.teamId, keyId: APNS.keyId, bundleId: APNS.bundleId, production: true },
        maxPerSecond: 1000,
      },
    });
    expect(JSON.stringify(await listed())).not.toContain("PRIVATE KEY");

    const stored = (await world.services.integrations.channelIntegration(world.account, "push")) ?? expect.fail();
    expect(openChannelConfig(stored, createSecretBox(TEST_MASTER_KEY)).secrets).toEqual({
      fcmPrivateKey: RSA_KEY,
      apnsPrivateKey: P256_KEY,
    });
  });

  it("takes the service account as the downloaded text too, and either provider alone", async () => {
    const fcmOnly = await configurePush({ fcmServiceAccount: JSON.stringify(SERVICE_ACCOUNT) });
    expect(fcmOnly.data?.configurePush?.settings).not.toHaveProperty("apns");
    const apnsOnly = await configurePush({ apns: { ...APNS, production: false }, maxPerSecond: 200 });
    expect(apnsOnly.data?.configurePush?.settings).toEqual({
      apns: { ...APNS, privateKey: undefined, production: false },
      maxPerSecond: 200,
    });
  });

  it("refuses bad credentials naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, "input.fcmServiceAccount"],
      [{ fcmServiceAccount: "{not json" }, "input.fcmServiceAccount"],
      [{ fcmServiceAccount: { ...SERVICE_ACCOUNT, project_id: undefined } }, "input.fcmServiceAccount.project_id"],
      [{ fcmServiceAccount: { ...SERVICE_ACCOUNT, client_email: "x" } }, "input.fcmServiceAccount.client_email"],
      [
        {
          fcmServiceAccount: {
            ...SERVICE_ACCOUNT,
            private_key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
          },
        },
        "input.fcmServiceAccount.private_key",
      ],
      [{ fcmServiceAccount: { ...SERVICE_ACCOUNT, private_key: P256_KEY } }, "input.fcmServiceAccount.private_key"],
      [
        { fcmServiceAccount: { ...SERVICE_ACCOUNT, token_uri: "https://attacker.example/token" } },
        "input.fcmServiceAccount.token_uri",
      ],
      [
        { fcmServiceAccount: { ...SERVICE_ACCOUNT, token_uri: "http://oauth2.googleapis.com/token" } },
        "input.fcmServiceAccount.token_uri",
      ],
      [{ apns: { ...APNS, privateKey: RSA_KEY } }, "input.apns.privateKey"],
      [{ apns: { ...APNS, privateKey: P384_KEY } }, "input.apns.privateKey"],
      [{ apns: { ...APNS, teamId: "short" } }, "input.apns.teamId"],
      [{ apns: APNS, maxPerSecond: 10_001 }, "input.maxPerSecond"],
      [{ apns: APNS, endpoint: "https://fcm.example.com" }, "input.endpoint"],
      [{ apns: APNS, instanceIdEndpoint: "https://iid.googleapis.com" }, "input.instanceIdEndpoint"],
    ];
    for (const [input, field] of cases) {
      expect(refused(await configurePush(input)), field).toMatchObject({ code: "BAD_USER_INPUT", fields: [field] });
    }
  });

  it("accepts a local endpoint and token_uri only with MASIVO_ALLOW_LOCAL_DESTINATIONS", async () => {
    const local = {
      fcmServiceAccount: { ...SERVICE_ACCOUNT, token_uri: "http://127.0.0.1:4020/token" },
      endpoint: "http://127.0.0.1:4020",
      instanceIdEndpoint: "http://127.0.0.1:4021",
    };
    const accepted = await configurePush(local);
    expect(accepted.data?.configurePush?.settings).toMatchObject({
      endpoint: local.endpoint,
      instanceIdEndpoint: local.instanceIdEndpoint,
    });
    expect(refused(await configurePush(local, strict)).fields.sort()).toEqual([
      "input.endpoint",
      "input.fcmServiceAccount.token_uri",
      "input.instanceIdEndpoint",
    ]);
  });
});

describe("configureWhatsApp", () => {
  it("stores the number and seals the token, which is never returned", async () => {
    const result = await configureWhatsApp(WHATSAPP);
    expect(result.data?.configureWhatsApp).toEqual({
      id: `whatsapp_${world.account}`,
      kind: "whatsapp",
      status: "HEALTHY",
      settings: { phoneNumberId: WHATSAPP.phoneNumberId, maxPerSecond: 80 },
    });
    expect(JSON.stringify(await listed())).not.toContain(WHATSAPP.accessToken);
  });

  it("refuses a bad value naming the field, and a local endpoint without MASIVO_ALLOW_LOCAL_DESTINATIONS", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ phoneNumberId: "+34 600 000 000" }, "input.phoneNumberId"],
      [{ accessToken: " " }, "input.accessToken"],
      [{ maxPerSecond: 1_001 }, "input.maxPerSecond"],
      [{ endpoint: "https://graph.example.com" }, "input.endpoint"],
      [{ endpoint: "http://127.0.0.1:4040/v21.0" }, "input.endpoint"],
    ];
    for (const [change, field] of cases) {
      expect(refused(await configureWhatsApp({ ...WHATSAPP, ...change })), field).toMatchObject({ fields: [field] });
    }
    const local = { ...WHATSAPP, endpoint: "http://127.0.0.1:4040" };
    expect((await configureWhatsApp(local)).data?.configureWhatsApp?.settings).toMatchObject({
      endpoint: local.endpoint,
    });
    expect(refused(await configureWhatsApp(local, strict))).toMatchObject({
      fields: ["input.endpoint"],
      messages: [expect.stringContaining("MASIVO_ALLOW_LOCAL_DESTINATIONS=1")],
    });
  });
});
