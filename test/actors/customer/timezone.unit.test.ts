import { describe, expect, it } from "vitest";
import { applyCommand } from "../../../actors/customer/applyCommand.ts";
import type { IngestCommand } from "../../../model/index.ts";

const metadata = (n: number) => ({
  account: "acme",
  customerId: "c1",
  commandId: `tz-${n}`,
  acceptedAt: "2026-05-10T08:00:00.000Z",
});
const upsert = (n: number, data: Extract<IngestCommand, { type: "customer.upsert" }>["data"]): IngestCommand => ({
  type: "customer.upsert",
  data,
  metadata: metadata(n),
});

describe("a customer's time zone", () => {
  it("is stored like the other profile fields, and its change is a profile change", () => {
    const first = applyCommand(undefined, upsert(1, { email: "ana@example.com" }), new Date("2026-05-10T08:00:00Z"));
    const after = applyCommand(
      first.snapshot,
      upsert(2, { timezone: "Europe/Madrid" }),
      new Date("2026-05-10T08:01:00Z"),
    );
    expect(after.state?.profile).toEqual({ email: "ana@example.com", timezone: "Europe/Madrid" });
    expect(after.facts).toEqual([
      expect.objectContaining({
        type: "customer.profileChanged",
        data: expect.objectContaining({ changed: ["timezone"] }),
      }),
    ]);
  });
});
