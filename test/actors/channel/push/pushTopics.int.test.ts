import { describe, expect, it } from "vitest";
import { createPushTopics, type TopicTokenAnswer } from "../../../../actors/channel/index.ts";
import { type FakeFcm, startFakeFcm } from "../../../../fakes/push/index.ts";
import { fcmSecrets, fcmSettings, notification } from "./pushFixtures.ts";

const TOPIC = "masivo.acme.aud_1";
const tokensNamed = (count: number) => Array.from({ length: count }, (_, i) => `device-${i}`);
const kindsOf = (answers: TopicTokenAnswer[]) => [...new Set(answers.map((answer) => answer.kind))];

function topicsFor(fcm: FakeFcm) {
  return createPushTopics({ ...fcmSettings(fcm), instanceIdEndpoint: fcm.url }, fcmSecrets(fcm));
}

describe("push topics: subscriptions through the Instance ID API", () => {
  it("subscribes 2,500 tokens in 3 calls of at most 1,000, answering each token subscribed", async () => {
    await using fcm = await startFakeFcm();
    const tokens = tokensNamed(2500);

    const answers = await topicsFor(fcm).add(TOPIC, tokens);

    expect(answers.map((answer) => answer.token)).toEqual(tokens);
    expect(kindsOf(answers)).toEqual(["subscribed"]);
    expect(fcm.stats().topicCalls).toEqual({ batchAdd: 3, batchRemove: 0 });
    expect(fcm.topicTokens(TOPIC)).toEqual(tokens);
  });

  it("unsubscribes tokens, leaving the others subscribed", async () => {
    await using fcm = await startFakeFcm();
    const topics = topicsFor(fcm);
    await topics.add(TOPIC, ["a", "b", "c"]);

    const answers = await topics.remove(TOPIC, ["a", "c"]);

    expect(answers).toEqual([
      { token: "a", kind: "unsubscribed" },
      { token: "c", kind: "unsubscribed" },
    ]);
    expect(fcm.topicTokens(TOPIC)).toEqual(["b"]);
  });

  it("answers deadToken for a token FCM does not know (NOT_FOUND) or a malformed one (INVALID_ARGUMENT)", async () => {
    await using fcm = await startFakeFcm();
    fcm.unregister("gone");

    const answers = await topicsFor(fcm).add(TOPIC, ["a", "gone", "not a token"]);

    expect(answers).toEqual([
      { token: "a", kind: "subscribed" },
      { token: "gone", kind: "deadToken", reason: "Instance ID refused the token: NOT_FOUND" },
      { token: "not a token", kind: "deadToken", reason: "Instance ID refused the token: INVALID_ARGUMENT" },
    ]);
  });

  it("answers retry with Retry-After for every token when throttled, sends no further call, and succeeds again", async () => {
    await using fcm = await startFakeFcm();
    const topics = topicsFor(fcm);
    fcm.faults.add({ kind: "error", errorCode: "QUOTA_EXCEEDED", retryAfterSeconds: 7, times: 1 });
    const tokens = tokensNamed(2500);

    const throttled = await topics.add(TOPIC, tokens);

    expect(throttled).toHaveLength(2500);
    expect(throttled.every((answer) => answer.kind === "retry" && answer.afterMs === 7000)).toBe(true);
    expect(fcm.stats().topicCalls.batchAdd).toBe(1);
    expect(fcm.topicTokens(TOPIC)).toEqual([]);

    expect(kindsOf(await topics.add(TOPIC, tokens))).toEqual(["subscribed"]);
    expect(fcm.topicTokens(TOPIC)).toHaveLength(2500);
  });

  it("answers retry on 503 and when the Instance ID host cannot be reached", async () => {
    await using fcm = await startFakeFcm();
    fcm.faults.add({ kind: "error", errorCode: "UNAVAILABLE", times: 1 });
    expect(await topicsFor(fcm).add(TOPIC, ["a"])).toEqual([
      { token: "a", kind: "retry", reason: "Instance ID 503 UNAVAILABLE", afterMs: 1000 },
    ]);
    const unreachable = createPushTopics(
      { ...fcmSettings(fcm), instanceIdEndpoint: "http://127.0.0.1:1" },
      fcmSecrets(fcm),
    );
    expect(kindsOf(await unreachable.add(TOPIC, ["a"]))).toEqual(["retry"]);
  });

  it("calls the Instance ID at endpoint when instanceIdEndpoint is not set", async () => {
    await using fcm = await startFakeFcm();
    const topics = createPushTopics(fcmSettings(fcm), fcmSecrets(fcm));
    expect(kindsOf(await topics.add(TOPIC, ["a"]))).toEqual(["subscribed"]);
  });

  it("exchanges the access token again once after a 401, sharing it with topic messages", async () => {
    await using fcm = await startFakeFcm();
    const topics = topicsFor(fcm);
    await topics.add(TOPIC, ["a"]);
    await topics.sendTopicMessage(TOPIC, notification);
    expect(fcm.stats().tokensIssued).toBe(1);
    fcm.reset(); // forgets the tokens it issued, and the subscriptions

    expect(await topics.add(TOPIC, ["b"])).toEqual([{ token: "b", kind: "subscribed" }]);
    expect(fcm.stats().tokensIssued).toBe(1);
  });

  it("answers misconfigured for every token without FCM's settings or key, calling nothing", async () => {
    await using fcm = await startFakeFcm();
    const { fcm: _, ...withoutFcm } = fcmSettings(fcm);
    const answers = await createPushTopics(withoutFcm, {}).add(TOPIC, ["a", "b"]);
    expect(answers).toEqual([
      { token: "a", kind: "misconfigured", reason: "FCM is not configured for this push integration" },
      { token: "b", kind: "misconfigured", reason: "FCM is not configured for this push integration" },
    ]);
    const withoutKey = await createPushTopics(fcmSettings(fcm), {}).sendTopicMessage(TOPIC, notification);
    expect(withoutKey).toEqual({ kind: "misconfigured", reason: "the FCM service account's private key is missing" });
    expect(fcm.stats().topicCalls).toEqual({ batchAdd: 0, batchRemove: 0 });
  });
});

describe("push topics: one message to a topic", () => {
  it("sends the rendered notification once to the topic, reaching its subscribed tokens", async () => {
    await using fcm = await startFakeFcm();
    const topics = topicsFor(fcm);
    await topics.add(TOPIC, ["a", "b"]);

    const answer = await topics.sendTopicMessage(TOPIC, notification);

    const received = fcm.messages();
    expect(received).toHaveLength(1);
    expect(answer).toEqual({ kind: "sent", providerMessageId: received[0]?.name });
    expect(received[0]).toMatchObject({
      target: { topic: TOPIC },
      topicTokens: ["a", "b"],
      message: {
        notification: { title: "Spring sale", body: "20% off today" },
        data: { campaign: "spring", deepLink: "shop://sale" },
        android: { ttl: "3600s" },
      },
    });
  });

  it("refuses a notification over FCM's 2,048 bytes for topics before calling, naming the size", async () => {
    await using fcm = await startFakeFcm();
    const answer = await topicsFor(fcm).sendTopicMessage(TOPIC, { ...notification, body: "x".repeat(2000) });
    expect(answer).toMatchObject({ kind: "failed" });
    expect(answer).toHaveProperty(
      "reason",
      expect.stringMatching(/is \d{4} bytes; FCM takes at most 2048 for a topic message/),
    );
    expect(fcm.stats().statuses).toEqual({});
  });
});
