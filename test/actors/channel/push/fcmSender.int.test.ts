import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createPushSender } from "../../../../actors/channel/providers.ts";
import { type FakeFcm, startFakeFcm } from "../../../../fakes/push/index.ts";
import { fcmSecrets, fcmSettings, notification } from "./pushFixtures.ts";

const android = { token: "android-token-1", platform: "ANDROID" } as const;

function senderFor(fcm: FakeFcm, options: { timeoutMs?: number } = {}) {
  return createPushSender(fcmSettings(fcm), fcmSecrets(fcm), options);
}

describe("the push sender through FCM", () => {
  it("sends the notification with its data, deep link, collapse key and TTL", async () => {
    await using fcm = await startFakeFcm();
    const sender = senderFor(fcm);
    const answer = await sender.send(notification, android);
    const [received] = fcm.messages(android.token);
    expect(answer).toEqual({ kind: "sent", providerMessageId: received?.name });
    expect(received?.message).toMatchObject({
      notification: { title: "Spring sale", body: "20% off today", image: "https://cdn.test/sale.png" },
      data: { campaign: "spring", deepLink: "shop://sale" },
      android: { ttl: "3600s" },
    });
    const collapseKey = received?.message.android?.collapse_key ?? "";
    expect(Buffer.byteLength(collapseKey)).toBeLessThanOrEqual(64);
    expect(received?.message.apns?.headers?.["apns-collapse-id"]).toBe(collapseKey);
  });

  it("derives the collapse key from the send key: the same on a resend, another for another send", async () => {
    await using fcm = await startFakeFcm();
    const sender = senderFor(fcm);
    await sender.send(notification, android);
    await sender.send(notification, android);
    await sender.send({ ...notification, sendKey: "acc-1:send-2" }, android);
    const keys = fcm.messages(android.token).map((received) => received.message.android?.collapse_key);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it("exchanges one access token for many sends, and a fresh one after FCM answers 401", async () => {
    await using fcm = await startFakeFcm();
    const sender = senderFor(fcm);
    await Promise.all([1, 2, 3].map(() => sender.send(notification, android)));
    expect(fcm.stats().tokensIssued).toBe(1);
    fcm.reset(); // the fake forgets the tokens it issued: the cached one now answers 401
    expect(await sender.send(notification, android)).toMatchObject({ kind: "sent" });
    expect(fcm.stats()).toMatchObject({ tokensIssued: 1, statuses: { "401": 1, "200": 1 } });
  });

  it("answers deadToken for UNREGISTERED, SENDER_ID_MISMATCH and an invalid token", async () => {
    await using fcm = await startFakeFcm();
    const sender = senderFor(fcm);
    fcm.unregister("gone");
    fcm.faults.add({ kind: "error", errorCode: "SENDER_ID_MISMATCH", token: "other-sender", times: 1 });
    const answers = await Promise.all(
      ["gone", "other-sender", "not a token"].map((token) => sender.send(notification, { token, platform: "ANDROID" })),
    );
    expect(answers.map((answer) => answer.kind)).toEqual(["deadToken", "deadToken", "deadToken"]);
  });

  it("answers retry with Retry-After for QUOTA_EXCEEDED, and retry for UNAVAILABLE and INTERNAL", async () => {
    await using fcm = await startFakeFcm();
    const sender = senderFor(fcm);
    fcm.faults.add({ kind: "error", errorCode: "QUOTA_EXCEEDED", retryAfterSeconds: 7, times: 1 });
    expect(await sender.send(notification, android)).toMatchObject({ kind: "retry", afterMs: 7000 });
    fcm.faults.add({ kind: "error", errorCode: "UNAVAILABLE", times: 1 });
    expect(await sender.send(notification, android)).toMatchObject({ kind: "retry" });
    fcm.faults.add({ kind: "error", errorCode: "INTERNAL", times: 1 });
    expect(await sender.send(notification, android)).toMatchObject({ kind: "retry" });
  });

  it("answers failed for another INVALID_ARGUMENT, misconfigured for THIRD_PARTY_AUTH_ERROR", async () => {
    await using fcm = await startFakeFcm();
    const sender = senderFor(fcm);
    fcm.faults.add({ kind: "error", errorCode: "INVALID_ARGUMENT", message: "Invalid image URL", times: 1 });
    expect(await sender.send(notification, android)).toMatchObject({ kind: "failed" });
    fcm.faults.add({ kind: "error", errorCode: "THIRD_PARTY_AUTH_ERROR", times: 1 });
    expect(await sender.send(notification, android)).toMatchObject({ kind: "misconfigured" });
    expect(fcm.stats().tokensIssued).toBe(1);
  });

  it("answers misconfigured when the service account's key is not the one Google knows", async () => {
    await using fcm = await startFakeFcm();
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const otherKey = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const sender = createPushSender(fcmSettings(fcm), { fcmPrivateKey: otherKey });
    expect(await sender.send(notification, android)).toMatchObject({
      kind: "misconfigured",
      reason: expect.stringContaining("invalid_grant"),
    });
    expect(fcm.messages()).toEqual([]);
  });

  it("answers misconfigured for another project (403) and without FCM settings", async () => {
    await using fcm = await startFakeFcm();
    const wrongProject = createPushSender(fcmSettings(fcm, "someone-else"), fcmSecrets(fcm));
    expect(await wrongProject.send(notification, android)).toMatchObject({
      kind: "misconfigured",
      reason: expect.stringContaining("403"),
    });
    const noFcm = createPushSender({ maxPerSecond: 10 }, {});
    expect(await noFcm.send(notification, android)).toMatchObject({ kind: "misconfigured" });
  });

  it("answers unknown when FCM holds the answer past the timeout", async () => {
    await using fcm = await startFakeFcm();
    const sender = senderFor(fcm, { timeoutMs: 300 });
    await sender.send(notification, android); // the access token, exchanged before the fault
    fcm.faults.add({ kind: "timeout", times: 1 });
    expect(await sender.send(notification, android)).toMatchObject({ kind: "unknown" });
  });

  it("answers retry when nothing listens", async () => {
    const fcm = await startFakeFcm();
    const settings = fcmSettings(fcm);
    const secrets = fcmSecrets(fcm);
    await fcm.close();
    const sender = createPushSender(settings, secrets);
    expect(await sender.send(notification, android)).toMatchObject({
      kind: "retry",
      reason: expect.stringContaining("ECONNREFUSED"),
    });
  });
});
