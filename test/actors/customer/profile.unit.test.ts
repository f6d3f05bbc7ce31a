import { describe, expect, it } from "vitest";
import { type ApplyResult, applyCommand } from "../../../actors/customer/applyCommand.ts";
import { mergeJson } from "../../../actors/customer/profile.ts";
import type { IngestCommand, IngestCommandType } from "../../../model/index.ts";

const T0 = "2026-05-10T08:00:00.000Z";
const at = (n: number) => new Date(Date.parse(T0) + n * 60_000);

type Data<T extends IngestCommandType> = Extract<IngestCommand, { type: T }>["data"];
let sequence = 0;
function command<T extends IngestCommandType>(type: T, data: Data<T>): IngestCommand {
  const metadata = { account: "acme", customerId: "c1", commandId: `p-${++sequence}`, acceptedAt: T0 };
  return { type, data, metadata } as IngestCommand;
}

function given(...commands: IngestCommand[]): ApplyResult {
  let result: ApplyResult = { snapshot: undefined, facts: [], state: undefined, outcomes: [] };
  commands.forEach((cmd, minute) => {
    result = applyCommand(result.snapshot, cmd, at(minute));
  });
  return result;
}

describe("attributes", () => {
  it("deep-merges: nested objects merge, arrays and scalars replace, null removes a key", () => {
    const before = given(
      command("customer.upsert", {
        attributes: { address: { city: "Lima", geo: { lat: 1, lng: 2 } }, pets: ["cat", "dog"], plan: "free", age: 30 },
      }),
    );
    const after = applyCommand(
      before.snapshot,
      command("customer.upsert", {
        attributes: {
          address: { geo: { lat: null, alt: 5 }, zip: "15001" },
          pets: ["fish"],
          plan: null,
          age: 31,
          prefs: { color: "red", size: null },
        },
      }),
      at(10),
    );
    expect(after.state?.attributes).toStrictEqual({
      address: { city: "Lima", geo: { lng: 2, alt: 5 }, zip: "15001" },
      pets: ["fish"],
      age: 31,
      prefs: { color: "red" },
    });
    expect(after.facts).toEqual([
      expect.objectContaining({
        type: "customer.profileChanged",
        data: expect.objectContaining({ changed: ["attributes"], attributes: after.state?.attributes }),
      }),
    ]);
  });

  it("replaces an object with a scalar and a scalar with an object, changing neither input", () => {
    const target = { a: { b: 1 }, c: 2 };
    const patch = { a: 5, c: { d: [1, { e: 2 }] } };
    expect(mergeJson(target, patch)).toStrictEqual({ a: 5, c: { d: [1, { e: 2 }] } });
    expect(target).toStrictEqual({ a: { b: 1 }, c: 2 });
    expect(patch).toStrictEqual({ a: 5, c: { d: [1, { e: 2 }] } });
  });

  it("ignores a __proto__ key instead of replacing the prototype", () => {
    const merged = mergeJson({}, JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'));
    expect(merged).toStrictEqual({ a: 1 });
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });
});

describe("profile facts", () => {
  const full = command("customer.upsert", {
    email: "ana@example.com",
    tier: "GOLD",
    attributes: { a: 1, b: { c: 2 } },
    tags: ["x", "y"],
    consent: { email: "GRANTED" },
  });

  it("omits the profile fact when an upsert changes nothing", () => {
    const before = given(full);
    const same = applyCommand(
      before.snapshot,
      command("customer.upsert", {
        email: "ana@example.com",
        attributes: { b: { c: 2 }, a: 1 },
        tags: ["y", "x", "y"],
        consent: { email: "GRANTED" },
        identified: true,
      }),
      at(10),
    );
    expect(same.facts).toEqual([]);
    expect(same.snapshot).toStrictEqual(before.snapshot);
    expect(applyCommand(before.snapshot, command("consent.set", { email: "GRANTED" }), at(11)).facts).toEqual([]);
  });

  it("names each top-level field that changed", () => {
    const before = given(full);
    const changed = applyCommand(
      before.snapshot,
      command("customer.upsert", { tier: "PLATINUM", phone: "+51999999999", identified: false }),
      at(10),
    );
    expect(changed.facts).toEqual([
      {
        type: "customer.profileChanged",
        data: {
          profile: { email: "ana@example.com", phone: "+51999999999", tier: "PLATINUM" },
          attributes: { a: 1, b: { c: 2 } },
          consent: {
            email: "GRANTED",
            push: "UNKNOWN",
            whatsapp: "UNKNOWN",
            sms: "UNKNOWN",
            ads: "UNKNOWN",
            dataSharing: "UNKNOWN",
          },
          identified: false,
          created: false,
          changed: ["phone", "tier", "identified"],
        },
      },
    ]);
    expect(changed.state?.updatedAt).toBe(at(10).toISOString());
  });

  it("replaces the tag set and reports only the tags when only they change", () => {
    const before = given(full);
    const retagged = applyCommand(before.snapshot, command("customer.upsert", { tags: ["z", "a", "z"] }), at(10));
    expect(retagged.facts).toEqual([{ type: "tags.changed", data: { tags: ["a", "z"] } }]);
    const cleared = applyCommand(retagged.snapshot, command("customer.upsert", { tags: [] }), at(11));
    expect(cleared.facts).toEqual([{ type: "tags.changed", data: { tags: [] } }]);
  });

  it("changes only the consent purposes a patch names", () => {
    const before = given(full, command("consent.set", { sms: "DENIED", ads: "GRANTED" }));
    const patched = applyCommand(before.snapshot, command("consent.set", { ads: "UNKNOWN" }), at(10));
    expect(patched.state?.consent).toStrictEqual({
      email: "GRANTED",
      push: "UNKNOWN",
      whatsapp: "UNKNOWN",
      sms: "DENIED",
      ads: "UNKNOWN",
      dataSharing: "UNKNOWN",
    });
    expect(patched.facts).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ changed: ["consent"] }) }),
    ]);
  });

  it("records TIER_ADJUSTMENT as an event without touching the tier", () => {
    const before = given(full);
    const adjusted = applyCommand(
      before.snapshot,
      command("event.track", { name: "TIER_ADJUSTMENT", properties: { tier: "SILVER" } }),
      at(10),
    );
    expect(adjusted.state?.profile.tier).toBe("GOLD");
    expect(adjusted.facts).toEqual([
      expect.objectContaining({ type: "event.recorded", data: expect.objectContaining({ internal: true }) }),
    ]);
  });
});
