import { describe, expect, it } from "vitest";
import { expandResyncs } from "../../../actors/destination/resyncedFacts.ts";
import { readWindow } from "../../../actors/destination/windowReading.ts";
import { type CustomerFact, type CustomerFactDraft, completeFact, PROFILE_PARTS } from "../../../model/index.ts";
import { encodeFact, factSubject, readTrustedFact } from "../../../streams/index.ts";

type Current = Extract<CustomerFactDraft, { type: "customer.resynced" }>["data"]["current"];
const at = "2026-03-01T12:00:00.000Z";
const message = (seq: number, draft: CustomerFactDraft) => {
  const fact = completeFact(draft, { account: "acme", customerId: "ana", factId: `f${seq}`, at, sourceSeq: seq });
  return { seq, subject: factSubject(fact), data: encodeFact(fact) };
};
const resync = (integrationId: string, current: Current) =>
  ({ type: "customer.resynced", data: { integrationId, resyncId: "r1", current } }) as const;
const profile: Current = {
  part: "profile",
  profile: { email: "ana@example.com" },
  attributes: { plan: "gold" },
  consent: {
    email: "GRANTED",
    push: "UNKNOWN",
    sms: "UNKNOWN",
    whatsapp: "UNKNOWN",
    dataSharing: "GRANTED",
    ads: "UNKNOWN",
  },
  identified: true,
};
const names = new Map([
  ["aud-1", "Gold"],
  ["aud-2", "Churned"],
]);
const read = (window: { seq: number; data: Uint8Array }[]): [number, Omit<CustomerFact, "metadata">, string][] =>
  window.map(({ seq, data }) => {
    const { type, data: body, metadata } = readTrustedFact(data);
    return [seq, { type, data: body } as Omit<CustomerFact, "metadata">, metadata.factId];
  });

describe("expandResyncs", () => {
  it("reads each part of a resync for the integration as the facts it stands for, in its place, and leaves the others", async () => {
    const event = message(1, { type: "tags.changed", data: { tags: [] } });
    const window = [
      event,
      message(2, resync("braze_acme", profile)),
      message(3, resync("braze_acme", { part: "tags", tags: ["vip"] })),
      message(4, resync("braze_acme", { part: "memberships", audienceIds: ["aud-1"] })),
      message(5, resync("webhook_acme", profile)),
    ];
    const expanded = await expandResyncs(window, "braze_acme", async () => names);
    expect(expanded[0]).toBe(event);
    expect(expanded.at(-1)).toBe(window[4]);
    const { part: _, ...state } = profile as Extract<Current, { part: "profile" }>;
    expect(read(expanded.slice(1, -1))).toEqual([
      [2, { type: "customer.profileChanged", data: { ...state, created: false, changed: [...PROFILE_PARTS] } }, "f2/0"],
      [3, { type: "tags.changed", data: { tags: ["vip"] } }, "f3/0"],
      [
        4,
        { type: "membership.changed", data: { audienceId: "aud-1", audienceName: "Gold", change: "ENTERED", at } },
        "f4/0",
      ],
      [
        4,
        { type: "membership.changed", data: { audienceId: "aud-2", audienceName: "Churned", change: "EXITED", at } },
        "f4/1",
      ],
    ]);
  });

  it("reads a deleted customer's resync as its deletion, and asks no audience names without a resync", async () => {
    let asked = 0;
    const names = async () => {
      asked += 1;
      return new Map<string, string>();
    };
    const deleted = [message(6, resync("braze_acme", { part: "deleted" }))];
    expect(read(await expandResyncs(deleted, "braze_acme", names))).toEqual([
      [6, { type: "customer.deleted", data: {} }, "f6/0"],
    ]);
    expect(asked).toBe(1);
    const lookalike = [message(7, { type: "tags.changed", data: { tags: ['"type":"customer.resynced"'] } })];
    await expandResyncs(lookalike, "braze_acme", names);
    expect(asked).toBe(1);
  });

  it("marks each fact a resync stands for with the resync's id, which reading the window keeps, and no other fact", async () => {
    const window = [
      message(1, { type: "tags.changed", data: { tags: [] } }),
      message(2, resync("s3_acme", { part: "tags", tags: ["vip"] })),
      message(3, resync("s3_acme", { part: "memberships", audienceIds: ["aud-1"] })),
    ];
    const expanded = await expandResyncs(window, "s3_acme", async () => names);
    const { facts } = readWindow(expanded, "dataSharing");
    expect(facts.map(({ seq, fact, resyncId }) => [seq, fact.type, resyncId])).toEqual([
      [1, "tags.changed", undefined],
      [2, "tags.changed", "r1"],
      [3, "membership.changed", "r1"],
      [3, "membership.changed", "r1"],
    ]);
  });
});
