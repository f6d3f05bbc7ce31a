import { describe, expect, it } from "vitest";
import { applyCommand } from "../../../actors/customer/applyCommand.ts";
import { at, command, given, iso, UNKNOWN_CONSENT } from "./customerScript.ts";

const resync = () => command("integration.resync", { integrationId: "braze_acme", resyncId: "r1" });
const upsert = command("customer.upsert", { email: "ana@example.com", attributes: { plan: "gold" }, tags: ["vip"] });
const member = command("membership.set", { audienceId: "aud-1", runId: "imp-1", member: true });

describe("integration.resync", () => {
  it("given a customer, when an integration resyncs, then it tells its whole state to that integration and changes nothing", () => {
    const before = given(upsert, member);
    const result = applyCommand(before, resync(), at(5));
    expect(result.snapshot).toEqual(before);
    expect(result.outcomes).toEqual([]);
    const told = (current: object) => ({
      type: "customer.resynced",
      data: { integrationId: "braze_acme", resyncId: "r1", current },
    });
    expect(result.facts).toEqual([
      told({
        part: "profile",
        profile: { email: "ana@example.com" },
        attributes: { plan: "gold" },
        consent: UNKNOWN_CONSENT,
        identified: true,
      }),
      told({ part: "tags", tags: ["vip"] }),
      told({ part: "memberships", audienceIds: ["aud-1"] }),
    ]);
  });

  it("given a deleted customer, when an integration resyncs, then it tells its deletion and stays deleted", () => {
    const deleted = given(upsert, command("customer.delete", {}));
    const result = applyCommand(deleted, resync(), at(5));
    expect(result.snapshot).toEqual({ status: "deleted", account: "acme", customerId: "c1", deletedAt: iso(1) });
    expect(result.facts).toEqual([
      {
        type: "customer.resynced",
        data: { integrationId: "braze_acme", resyncId: "r1", current: { part: "deleted" } },
      },
    ]);
  });

  it("given nobody, when an integration resyncs, then nothing is created", () => {
    const result = applyCommand(undefined, resync(), at(0));
    expect(result.snapshot).toBeUndefined();
    expect(result.facts).toEqual([]);
    expect(result.outcomes).toEqual([{ type: "noCustomer", command: "integration.resync", status: "absent" }]);
  });
});
