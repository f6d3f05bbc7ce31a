import { describe, expect, it } from "vitest";
import { planWindow } from "../../../../../actors/destination/braze/planning/windowCalls.ts";
import { customersNeedingConsent } from "../../../../../actors/destination/consentGate.ts";
import type { WindowFact } from "../../../../../actors/destination/windowReading.ts";
import { type CustomerFact, type CustomerFactDraft, completeFact } from "../../../../../model/index.ts";
import { encodeFact } from "../../../../../streams/index.ts";
import { BRAZE_SETTINGS } from "../../../../support/brazeSettings.ts";

const T0 = "2026-04-01T09:00:00.000Z";
const SETTINGS = BRAZE_SETTINGS;

let seq = 0;
function windowFact(customerId: string, draft: CustomerFactDraft): WindowFact {
  seq += 1;
  const fact: CustomerFact = completeFact(draft, {
    account: "acme",
    customerId,
    factId: `acme:${seq}:0`,
    at: T0,
    sourceSeq: seq,
  });
  return { seq, fact, payload: encodeFact(fact) };
}

const opened = (customerId: string) =>
  windowFact(customerId, {
    type: "event.recorded",
    data: { eventId: `e-${seq}`, name: "Opened", timestamp: T0, properties: {}, internal: false },
  });

const profile = (customerId: string, dataSharing: "GRANTED" | "DENIED") =>
  windowFact(customerId, {
    type: "customer.profileChanged",
    data: {
      profile: { firstName: customerId },
      attributes: {},
      consent: { email: "GRANTED", push: "UNKNOWN", whatsapp: "UNKNOWN", sms: "UNKNOWN", ads: "UNKNOWN", dataSharing },
      identified: true,
      created: false,
      changed: ["firstName"],
    },
  });

const sentFor = (facts: WindowFact[], denied: string[]) =>
  planWindow(facts, SETTINGS, { mode: "PER_TYPE", denied })
    .stages.flat()
    .flatMap((call) => (call.kind === "track" ? call.items.map((item) => `${item.customerId}:${item.type}`) : []));

describe("customersNeedingConsent", () => {
  it("names the customers whose first fact in the window is not a profile change, in order", () => {
    const facts = [opened("ana"), profile("bea", "GRANTED"), opened("bea"), opened("cid"), profile("ana", "DENIED")];
    expect(customersNeedingConsent(facts)).toEqual(["ana", "cid"]);
  });

  it("is right to leave the others out: their consent at the start never changes the plan", () => {
    const facts = [profile("bea", "GRANTED"), opened("bea"), opened("ana"), profile("ana", "GRANTED"), opened("ana")];
    expect(customersNeedingConsent(facts)).toEqual(["ana"]);
    expect(sentFor(facts, ["bea"])).toEqual(sentFor(facts, []));
    expect(sentFor(facts, [])).toEqual(["bea:attributes", "bea:events", "ana:events", "ana:attributes", "ana:events"]);
    // ana's consent at the start does decide: denied, her first event is held back.
    expect(sentFor(facts, ["ana"])).toEqual(["bea:attributes", "bea:events", "ana:attributes", "ana:events"]);
  });
});
