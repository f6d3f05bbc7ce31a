import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createPushSender, type PushSenderOptions } from "../../../../actors/channel/providers.ts";
import { type FakeApns, type FakeFcm, startFakeApns, startFakeFcm } from "../../../../fakes/push/index.ts";
import type { PushSettings } from "../../../../model/index.ts";
import { fcmSecrets, fcmSettings, notification } from "./pushFixtures.ts";

const BUNDLE = "com.shop.app";
const iphone = { token: "a1".repeat(32), platform: "IOS" } as const;

function apnsSettings(apns: FakeApns, fcm: FakeFcm): PushSettings {
  const { teamId, keyId } = apns.credentials;
  return { ...fcmSettings(fcm), apns: { teamId, keyId, bundleId: BUNDLE, production: false } };
}

function senderFor(apns: FakeApns, fcm: FakeFcm, options: PushSenderOptions = {}, apnsPrivateKey?: string) {
  return createPushSender(
    apnsSettings(apns, fcm),
    { ...fcmSecrets(fcm), apnsPrivateKey: apnsPrivateKey ?? apns.credentials.privateKey ?? "" },
    { apnsEndpoint: apns.url, ...options },
  );
}

async function startFakes(options: Parameters<typeof startFakeApns>[0] = {}) {
  const apns = await startFakeApns({ topics: [BUNDLE], ...options });
  const fcm = await startFakeFcm();
  return {
    apns,
    fcm,
    [Symbol.asyncDispose]: async () => {
      await Promise.all([apns.close(), fcm.close()]);
    },
  };
}

describe("the push sender through APNs", () => {
  it("routes iOS to APNs with topic, push type, collapse id and expiration, Android to FCM", async () => {
    await using fakes = await startFakes();
    const now = () => 1_800_000_000_000;
    const sender = senderFor(fakes.apns, fakes.fcm, { now });
    const ios = await sender.send(notification, iphone);
    const androidAnswer = await sender.send(notification, { token: "android-1", platform: "ANDROID" });
    sender.close();
    const [received] = fakes.apns.messages(iphone.token);
    expect(ios).toEqual({ kind: "sent", providerMessageId: received?.apnsId });
    expect(received).toMatchObject({
      topic: BUNDLE,
      pushType: "alert",
      priority: 10,
      expiration: 1_800_000_000 + 3600,
      payload: {
        aps: { alert: { title: "Spring sale", body: "20% off today" }, "mutable-content": 1 },
        campaign: "spring",
        deepLink: "shop://sale",
      },
    });
    expect(received?.collapseId).toBe(fakes.fcm.messages("android-1")[0]?.message.android?.collapse_key);
    expect(androidAnswer.kind).toBe("sent");
    expect(fakes.fcm.messages(iphone.token)).toEqual([]);
  });

  it("sends iOS through FCM when APNs is not configured", async () => {
    await using fakes = await startFakes();
    const sender = createPushSender(fcmSettings(fakes.fcm), fcmSecrets(fakes.fcm));
    expect(await sender.send(notification, iphone)).toMatchObject({ kind: "sent" });
    expect(fakes.fcm.messages(iphone.token)).toHaveLength(1);
    expect(fakes.apns.messages()).toEqual([]);
  });

  it("answers deadToken for 410 Unregistered, BadDeviceToken and DeviceTokenNotForTopic", async () => {
    await using fakes = await startFakes();
    const sender = senderFor(fakes.apns, fakes.fcm);
    const gone = "b2".repeat(32);
    const otherApp = "c3".repeat(32);
    fakes.apns.unregister(gone);
    fakes.apns.faults.add({ kind: "error", reason: "DeviceTokenNotForTopic", token: otherApp, times: 1 });
    const answers = await Promise.all(
      [gone, "not-hex", otherApp].map((token) => sender.send(notification, { token, platform: "IOS" })),
    );
    sender.close();
    expect(answers.map((answer) => answer.kind)).toEqual(["deadToken", "deadToken", "deadToken"]);
    expect(answers[0]).toMatchObject({ reason: "APNs 410 Unregistered" });
  });

  it("answers retry for TooManyRequests and ServiceUnavailable", async () => {
    await using fakes = await startFakes();
    const sender = senderFor(fakes.apns, fakes.fcm);
    fakes.apns.faults.add({ kind: "error", reason: "TooManyRequests", times: 1 });
    fakes.apns.faults.add({ kind: "error", reason: "ServiceUnavailable", times: 1 });
    const answers = [await sender.send(notification, iphone), await sender.send(notification, iphone)];
    sender.close();
    expect(answers.map((answer) => answer.kind)).toEqual(["retry", "retry"]);
  });

  it("answers misconfigured when the provider key is not the one Apple knows", async () => {
    await using fakes = await startFakes();
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const otherKey = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const sender = senderFor(fakes.apns, fakes.fcm, {}, otherKey);
    const answer = await sender.send(notification, iphone);
    sender.close();
    expect(answer).toEqual({ kind: "misconfigured", reason: "APNs 403 InvalidProviderToken" });
  });

  it("reuses its provider token, and re-signs it once when APNs says it expired", async () => {
    let clock = 1_800_000_000_000;
    const now = () => clock;
    await using fakes = await startFakes({ providerTokenMaxAgeSeconds: 600, now });
    const sender = senderFor(fakes.apns, fakes.fcm, { now });
    await sender.send(notification, iphone);
    clock += 5 * 60_000;
    await sender.send(notification, iphone);
    clock += 10 * 60_000; // past the fake's 600 s, within our 50 minutes of reuse
    const answer = await sender.send(notification, iphone);
    sender.close();
    expect(answer.kind).toBe("sent");
    expect(fakes.apns.stats().statuses).toEqual({ "200": 3, "403": 1 });
  });

  it("answers unknown when APNs holds the answer past the timeout, and reconnects after the session closes", async () => {
    await using fakes = await startFakes();
    const sender = senderFor(fakes.apns, fakes.fcm, { timeoutMs: 1_000 });
    fakes.apns.faults.add({ kind: "timeout", times: 1 });
    expect(await sender.send(notification, iphone)).toMatchObject({ kind: "unknown" });
    sender.close();
    expect(await sender.send(notification, iphone)).toMatchObject({ kind: "sent" });
    sender.close();
  });

  it("answers retry when nothing listens", async () => {
    await using fakes = await startFakes();
    const sender = senderFor(fakes.apns, fakes.fcm);
    await fakes.apns.close();
    const answer = await sender.send(notification, iphone);
    sender.close();
    expect(answer).toMatchObject({ kind: "retry", reason: expect.stringContaining("ECONNREFUSED") });
  });
});
