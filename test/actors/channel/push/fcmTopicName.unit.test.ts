import { describe, expect, it } from "vitest";
import { fcmTopicName } from "../../../../actors/channel/index.ts";

const FCM_TOPIC = /^[a-zA-Z0-9-_.~%]{1,900}$/;

describe("fcmTopicName", () => {
  it("given ids in FCM's alphabet, names the topic masivo.<account>.<audienceId> as they are", () => {
    expect(fcmTopicName("acme-shop", "aud_42~x")).toBe("masivo.acme-shop.aud_42~x");
  });

  it("given ids with characters FCM refuses, percent-encodes them as UTF-8", () => {
    const topic = fcmTopicName("acme", "Früh lingsverkauf/🌸");
    expect(topic).toBe("masivo.acme.Fr%C3%BCh%20lingsverkauf%2F%F0%9F%8C%B8");
    expect(topic).toMatch(FCM_TOPIC);
  });

  it("given ids that would read alike once joined by dots or decoded, names different topics", () => {
    const names = [
      fcmTopicName("a.b", "c"),
      fcmTopicName("a", "b.c"),
      fcmTopicName("a%2Eb", "c"),
      fcmTopicName("a", "b%2Ec"),
      fcmTopicName("a", "b c"),
      fcmTopicName("a", "b%20c"),
    ];
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(FCM_TOPIC);
  });

  it("given the same ids, names the same topic every time", () => {
    expect(fcmTopicName("acme", "spring.sale")).toBe(fcmTopicName("acme", "spring.sale"));
    expect(fcmTopicName("acme", "spring.sale")).toBe("masivo.acme.spring%2Esale");
  });

  it("given ids too long for FCM's 900 characters, throws naming the account and audience", () => {
    expect(() => fcmTopicName("acme", "é".repeat(200))).toThrow(/account acme, audience é+ would be 1212 characters/);
  });
});
