import { describe, expect, it } from "vitest";
import { expandResyncs } from "../../../actors/destination/resyncedFacts.ts";
import { type CustomerFact, type CustomerFactDraft, completeFact, PROFILE_PARTS } from "../../../model/index.ts";
import { encodeFact, readTrustedFact } from "../../../streams/index.ts";

const at = "2026-03-01T12:00:00.000Z";
const message = (seq: number, draft: CustomerFactDraft) => ({
  seq,
  data: encodeFact(completeFact(draft, { account: "acme", customerId: "ana", factId: `f${seq}`, at, sourceSeq: seq })),
});
type Current = Extract<CustomerFactDraft, { type: "customer.resynced" }>["data"]["current"];
const resync = (integrationId: string, current: Current) =>
  ({ type: "customer.resynced", data: { integrationId, resyncId: "r1", current } }) as const;
const ana: Extract<Current, { status: "active" }> = {
  status: "active",
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
  tags: ["vip"],
  memberships: ["aud-1"],
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
  it("reads a resync for the integration as the facts it stands for, in its place, and leaves the others", async () => {
    const event = message(1, { type: "tags.changed", data: { tags: [] } });
    const window = [event, message(2, resync("braze_acme", ana)), message(3, resync("webhook_acme", ana))];
    const expanded = await expandResyncs(window, "braze_acme", async () => names);
    expect(expanded[0]).toBe(event);
    expect(expanded.at(-1)).toBe(window[2]);
    expect(read(expanded.slice(1, -1))).toEqual([
      [
        2,
        {
          type: "customer.profileChanged",
          data: {
            profile: ana.profile,
            attributes: ana.attributes,
            consent: ana.consent,
            identified: true,
            created: false,
            changed: [...PROFILE_PARTS],
          },
        },
        "f2/0",
      ],
      [2, { type: "tags.changed", data: { tags: ["vip"] } }, "f2/1"],
      [
        2,
        { type: "membership.changed", data: { audienceId: "aud-1", audienceName: "Gold", change: "ENTERED", at } },
        "f2/2",
      ],
      [
        2,
        { type: "membership.changed", data: { audienceId: "aud-2", audienceName: "Churned", change: "EXITED", at } },
        "f2/3",
      ],
    ]);
  });

  it("reads a deleted customer's resync as its deletion, and asks no audience names without a resync", async () => {
    let asked = 0;
    const names = async () => {
      asked += 1;
      return new Map<string, string>();
    };
    expect(
      read(await expandResyncs([message(4, resync("braze_acme", { status: "deleted" }))], "braze_acme", names)),
    ).toEqual([[4, { type: "customer.deleted", data: {} }, "f4/0"]]);
    expect(asked).toBe(1);
    await expandResyncs(
      [message(5, { type: "tags.changed", data: { tags: ["customer.resynced"] } })],
      "braze_acme",
      names,
    );
    expect(asked).toBe(1);
  });
});
