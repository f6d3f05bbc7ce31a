import { describe, expect, it } from "vitest";
import { webhookCalls } from "../../../../actors/destination/webhook/webhookMessage.ts";
import type { WindowFact } from "../../../../actors/destination/windowReading.ts";
import { type CustomerFactDraft, completeFact } from "../../../../model/index.ts";
import type { WebhookSettings } from "../../../../store/index.ts";
import { encodeFact } from "../../../../streams/index.ts";

const at = "2026-12-03T12:00:00.000Z";
let seq = 0;
function windowFact(customerId: string, draft: CustomerFactDraft): WindowFact {
  seq += 1;
  const fact = completeFact(draft, {
    account: "acct",
    customerId,
    factId: `acct:${customerId}:${seq}`,
    at,
    sourceSeq: seq,
  });
  return { seq, fact, payload: encodeFact(fact) };
}
const membership = (customerId: string, audienceId: string, change: "ENTERED" | "EXITED") =>
  windowFact(customerId, { type: "membership.changed", data: { audienceId, audienceName: audienceId, change, at } });
const tapped = (customerId: string) =>
  windowFact(customerId, {
    type: "event.recorded",
    data: { eventId: "e-1", name: "tap", timestamp: at, properties: { screen: "home" }, internal: false },
  });
const settings = (changes: Partial<WebhookSettings>): WebhookSettings => ({
  url: "https://hooks.example.com/",
  kinds: ["EVENT", "MEMBERSHIP", "TAGS", "DELETED"],
  enabled: true,
  ...changes,
});

describe("webhookCalls", () => {
  it("makes one call per fact, in order, with the Standard Webhooks body and the fact's id", () => {
    const facts = [
      tapped("ann"),
      membership("ann", "vip", "ENTERED"),
      membership("bob", "vip", "EXITED"),
      windowFact("bob", { type: "tags.changed", data: { tags: ["a"] } }),
      windowFact("cy", { type: "customer.deleted", data: {} }),
    ];
    const calls = webhookCalls(facts, settings({}));
    expect(calls.map((call) => [call.customers[0], call.type, call.messageId])).toEqual([
      ["ann", "event.tracked", facts[0]?.fact.metadata.factId],
      ["ann", "membership.entered", facts[1]?.fact.metadata.factId],
      ["bob", "membership.exited", facts[2]?.fact.metadata.factId],
      ["bob", "tags.updated", facts[3]?.fact.metadata.factId],
      ["cy", "customer.deleted", facts[4]?.fact.metadata.factId],
    ]);
    expect(JSON.parse(calls[0]?.body ?? "")).toEqual({
      type: "event.tracked",
      timestamp: at,
      data: {
        customerId: "ann",
        eventId: "e-1",
        name: "tap",
        timestamp: at,
        properties: { screen: "home" },
        internal: false,
      },
    });
    expect(JSON.parse(calls[4]?.body ?? "")).toEqual({
      type: "customer.deleted",
      timestamp: at,
      data: { customerId: "cy" },
    });
  });

  it("names the resync a fact of a full resync comes from, and no resync for any other fact", () => {
    const resynced = { ...windowFact("ann", { type: "tags.changed", data: { tags: ["vip"] } }), resyncId: "r1" };
    const calls = webhookCalls([resynced, tapped("ann")], settings({}));
    expect(calls.map((call) => JSON.parse(call.body).resyncId)).toEqual(["r1", undefined]);
    expect(JSON.parse(calls[0]?.body ?? "")).toEqual({
      type: "tags.updated",
      timestamp: at,
      data: { customerId: "ann", tags: ["vip"] },
      resyncId: "r1",
    });
  });

  it("sends only the kinds the endpoint picked", () => {
    const facts = [
      tapped("ann"),
      membership("ann", "vip", "ENTERED"),
      windowFact("ann", { type: "customer.deleted", data: {} }),
    ];
    expect(webhookCalls(facts, settings({ kinds: ["MEMBERSHIP"] })).map((call) => call.type)).toEqual([
      "membership.entered",
    ]);
  });

  it("sends membership facts only of the audiences named, and every other kind whatever they are", () => {
    const facts = [membership("ann", "vip", "ENTERED"), membership("ann", "churned", "ENTERED"), tapped("ann")];
    const calls = webhookCalls(facts, settings({ audienceIds: ["vip"] }));
    expect(calls.map((call) => JSON.parse(call.body).data.audienceId ?? call.type)).toEqual(["vip", "event.tracked"]);
  });
});
