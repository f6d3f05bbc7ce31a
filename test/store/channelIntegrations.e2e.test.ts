import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmailSettings, WhatsAppSettings } from "../../model/index.ts";
import {
  brazeIntegrationId,
  connectStore,
  createSecretBox,
  type Integrations,
  integrationsRepository,
  openChannelConfig,
  type Store,
  sealChannelConfig,
} from "../../store/index.ts";
import { BRAZE_SETTINGS } from "../support/brazeSettings.ts";
import { isolatedMongoUrl, TEST_MASTER_KEY, uniqueId } from "../support/world.ts";

let store: Store;
let integrations: Integrations;
const box = createSecretBox(TEST_MASTER_KEY);

const EMAIL: EmailSettings = {
  host: "smtp.example.com",
  port: 587,
  secure: false,
  username: "mailer",
  fromAddress: "news@example.com",
  maxPerSecond: 14,
};
const WHATSAPP: WhatsAppSettings = { phoneNumberId: "1234567890", maxPerSecond: 80 };

const configureEmail = (account: string, password = "smtp-password-1") =>
  integrations.configureChannel(
    account,
    sealChannelConfig({ kind: "email", settings: EMAIL, secrets: { password } }, box),
  );

beforeAll(async () => {
  store = await connectStore(isolatedMongoUrl(uniqueId("db")));
  integrations = integrationsRepository(store.db);
});
afterAll(async () => {
  await store?.close();
});

describe("channel integrations in the store", () => {
  it("keeps one integration per kind per account, each read back as its own kind only", async () => {
    const account = uniqueId("acct");
    await integrations.configureBraze(account, BRAZE_SETTINGS, box.seal("braze-key"));
    await configureEmail(account);
    await integrations.configureChannel(
      account,
      sealChannelConfig({ kind: "whatsapp", settings: WHATSAPP, secrets: { accessToken: "wa-token-1" } }, box),
    );

    const email = await integrations.channelIntegration(account, "email");
    expect(email).toMatchObject({ _id: `email_${account}`, kind: "email", settings: EMAIL, status: "HEALTHY" });
    expect(await integrations.channelIntegration(account, "whatsapp")).toMatchObject({ settings: WHATSAPP });
    expect(await integrations.channelIntegration(account, "push")).toBeUndefined();
    expect((await integrations.ofAccount(account)).map((i) => i.kind).sort()).toEqual(["braze", "email", "whatsapp"]);

    // The destination worker is handed destinations only, never a channel.
    const destinations = await integrations.destinations();
    expect(destinations.filter((i) => i.account === account).map((i) => i._id)).toEqual([brazeIntegrationId(account)]);
    const braze = await integrations.get(brazeIntegrationId(account));
    expect(braze?.kind === "braze" && braze.settings.restEndpoint).toBe(BRAZE_SETTINGS.restEndpoint);
  });

  it("seals the secrets: the stored document holds no plaintext, and only openChannelConfig reads them", async () => {
    const account = uniqueId("acct");
    await configureEmail(account, "smtp-password-secret");
    const stored = await store.db.collection<{ _id: string }>("integrations").findOne({ _id: `email_${account}` });
    expect(JSON.stringify(stored)).not.toContain("smtp-password-secret");

    const email = (await integrations.channelIntegration(account, "email")) ?? expect.fail("not stored");
    expect(openChannelConfig(email, box)).toEqual({
      kind: "email",
      settings: EMAIL,
      secrets: { password: "smtp-password-secret" },
    });
    expect(() => openChannelConfig(email, createSecretBox("another-master-key-0123456789abcdef"))).toThrow(
      `integration email_${account}`,
    );
  });

  it("replaces on a second configure, moving configVersion and clearing a failure", async () => {
    const account = uniqueId("acct");
    const first = await configureEmail(account);
    await integrations.setStatus(first._id, "FAILING", "535 authentication failed");
    expect(await integrations.channelIntegration(account, "email")).toMatchObject({
      status: "FAILING",
      lastError: "535 authentication failed",
    });

    const second = await integrations.configureChannel(
      account,
      sealChannelConfig(
        { kind: "email", settings: { ...EMAIL, port: 465, secure: true }, secrets: { password: "smtp-password-2" } },
        box,
      ),
    );
    expect(second.configVersion).toBe(first.configVersion + 1);
    const stored = (await integrations.channelIntegration(account, "email")) ?? expect.fail("not stored");
    expect(stored).toMatchObject({
      status: "HEALTHY",
      settings: { port: 465, secure: true },
      createdAt: first.createdAt,
    });
    expect(stored.lastError).toBeUndefined();
    expect(openChannelConfig(stored, box).secrets).toEqual({ password: "smtp-password-2" });
  });

  it("keeps accounts apart", async () => {
    const [mine, theirs] = [uniqueId("acct"), uniqueId("acct")];
    await configureEmail(mine, "mine");
    expect(await integrations.channelIntegration(theirs, "email")).toBeUndefined();
    await configureEmail(theirs, "theirs");
    const stored = (await integrations.channelIntegration(mine, "email")) ?? expect.fail("not stored");
    expect(openChannelConfig(stored, box).secrets).toEqual({ password: "mine" });
    expect(stored.configVersion).toBe(1);
  });
});
