import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { ChannelIntegrations } from "../../../../actors/channel/channelIntegrations.ts";
import type { PushTopics } from "../../../../actors/channel/push/pushTopics.ts";
import { fcmTopicRegistry } from "../../../../actors/channel/topics/fcmTopicRegistry.ts";

const log = pino({ level: "silent" });

/** An account's FCM topics answering each token as scripted, recording the topic it was called with. */
function integrationsAnswering(kinds: Record<string, string>, calledTopics: string[]): ChannelIntegrations<PushTopics> {
  const answer = async (topic: string, tokens: string[]) => {
    calledTopics.push(topic);
    // In reverse order: the registry must match answers to tokens by token.
    return tokens
      .map((token) => ({ token, kind: kinds[token] ?? "subscribed", reason: "scripted" }))
      .reverse() as Awaited<ReturnType<PushTopics["add"]>>;
  };
  const sender = {
    add: answer,
    remove: answer,
    sendTopicMessage: async () => ({ kind: "sent" }),
  } as unknown as PushTopics;
  return {
    of: async (account) =>
      account === "acme" ? { id: "i1", account, configVersion: 1, sender, call: (call) => call() } : undefined,
    close: async () => {},
  };
}

describe("the FCM topic registry", () => {
  it("calls the audience's topic and answers per token in order: dead, refused, and misconfigured or unanswered to retry", async () => {
    const topics: string[] = [];
    const registry = fcmTopicRegistry(
      integrationsAnswering({ t2: "deadToken", t3: "failed", t4: "misconfigured", t5: "retry" }, topics),
      log,
    );
    expect(await registry.add("acme", "aud_1", ["t1", "t2", "t3", "t4", "t5"])).toEqual([
      "subscribed",
      "deadToken",
      "failed",
      "retry",
      "retry",
    ]);
    expect(await registry.remove("acme", "aud_1", ["t1"])).toEqual(["subscribed"]);
    expect(topics).toEqual(["masivo.acme.aud_1", "masivo.acme.aud_1"]);
  });

  it("refuses every token for good for an account without push settings", async () => {
    const registry = fcmTopicRegistry(integrationsAnswering({}, []), log);
    expect(await registry.add("other", "aud_1", ["t1", "t2"])).toEqual(["failed", "failed"]);
  });
});
