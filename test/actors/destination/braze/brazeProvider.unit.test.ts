import { describe, expect, it } from "vitest";
import { brazeProvider } from "../../../../actors/destination/braze/brazeProvider.ts";
import { mapFact } from "../../../../actors/destination/braze/mapFact.ts";
import { type CustomerFact, FACT_TYPES } from "../../../../model/index.ts";
import { BRAZE_SETTINGS } from "../../../support/brazeSettings.ts";

describe("the Braze provider", () => {
  it("wants every fact mapFact maps, and mapFact maps none of the others", () => {
    const unwanted = FACT_TYPES.filter((type) => !brazeProvider.wants.includes(type));
    expect(unwanted.sort()).toEqual([
      "customer.resynced",
      "device.registered",
      "device.unregistered",
      "journey.changed",
      "membership.unchanged",
      "message.recorded",
      "pushTopic.changed",
      "send.decided",
    ]);
    for (const type of unwanted) {
      // These facts are skipped on their type alone, whatever their data.
      const fact = { type, data: {}, metadata: { customerId: "ana" } } as unknown as CustomerFact;
      const mapped = mapFact(fact, 1, { settings: BRAZE_SETTINGS, audienceName: () => undefined });
      expect(mapped, type).toMatchObject({ track: [], deletions: [] });
      expect(mapped.skipped, type).toBeDefined();
    }
  });

  it("is gated by data sharing and holds Braze's limit of 3,000 track calls per 3 s", () => {
    expect(brazeProvider.consentPurpose).toBe("dataSharing");
    expect(brazeProvider.limits).toMatchObject({ callsPerWindow: 3_000, windowMs: 3_050 });
  });
});
