import { describe, expect, it } from "vitest";
import { type ApplyResult, applyCommand } from "../../../actors/customer/applyCommand.ts";
import type { AudienceRule } from "../../../actors/customer/memberships.ts";
import type { CustomerFactDraft, IngestCommand, IngestCommandType } from "../../../model/index.ts";
import { type Rule, rulePaths } from "../../../rules/index.ts";

const T0 = "2026-03-01T12:00:00.000Z";
const day = (n: number) => new Date(Date.parse(T0) + n * 86_400_000);

type Data<T extends IngestCommandType> = Extract<IngestCommand, { type: T }>["data"];
let sequence = 0;
function command<T extends IngestCommandType>(type: T, data: Data<T>, customerId = "c1"): IngestCommand {
  const metadata = { account: "acme", customerId, commandId: `cmd-${++sequence}`, acceptedAt: T0 };
  return { type, data, metadata } as IngestCommand;
}

const audience = (id: string, rule: Rule): AudienceRule => ({ id, rule, paths: rulePaths(rule) });
const VIP = audience("aud-vip", { attribute: "tier", op: "eq", value: "VIP" });
const BUYER = audience("aud-buyer", { event: "FULFILL", within: { days: 30 } });
const AUDIENCES = [VIP, BUYER];

const memberships = (facts: CustomerFactDraft[]) =>
  facts.flatMap((fact) =>
    fact.type === "membership.changed" ? [`${fact.data.audienceId} ${fact.data.change} ${fact.data.at}`] : [],
  );

/** Applies commands in order from nothing, each at its clock reading; returns every result. */
function run(steps: [IngestCommand, Date][], audiences = AUDIENCES): ApplyResult[] {
  const results: ApplyResult[] = [];
  let snapshot: ApplyResult["snapshot"];
  for (const [cmd, now] of steps) {
    const result = applyCommand(snapshot, cmd, now, audiences);
    snapshot = result.snapshot;
    results.push(result);
  }
  return results;
}

const fulfill = (orderId: string) =>
  command("event.track", {
    name: "FULFILL",
    properties: { orderId, currency: "USD", items: [{ sku: "A", price: 5, quantity: 1 }] },
  });

describe("real-time membership in the customer actor", () => {
  it("enters the VIP audience when the tier becomes VIP, and leaves when it changes", () => {
    const [created, vip, gold] = run([
      [command("customer.upsert", { tier: "SILVER" }), day(0)],
      [command("customer.upsert", { tier: "VIP" }), day(1)],
      [command("customer.upsert", { tier: "GOLD" }), day(2)],
    ]);
    expect(memberships(created?.facts ?? [])).toEqual([]);
    expect(memberships(vip?.facts ?? [])).toEqual([`aud-vip ENTERED ${day(1).toISOString()}`]);
    expect(vip?.state?.memberships).toEqual([{ audienceId: "aud-vip", since: day(1).toISOString() }]);
    expect(memberships(gold?.facts ?? [])).toEqual([`aud-vip EXITED ${day(2).toISOString()}`]);
    expect(gold?.state?.memberships).toEqual([]);
  });

  it("enters the buyers audience on the qualifying FULFILL, after the purchase facts", () => {
    const [, bought] = run([
      [command("customer.upsert", { email: "ana@example.com" }), day(0)],
      [fulfill("o1"), day(1)],
    ]);
    const types = bought?.facts.map((fact) => fact.type);
    expect(types).toEqual(["event.recorded", "purchase.recorded", "membership.changed"]);
    expect(memberships(bought?.facts ?? [])).toEqual([`aud-buyer ENTERED ${day(1).toISOString()}`]);
  });

  it("re-evaluates only the audiences whose rules read what changed", () => {
    // A rule that is true for everyone would enter on any evaluation: it must not be asked about tags.
    const anyone = audience("aud-anyone", { not: { attribute: "tier", op: "eq", value: "nobody" } });
    const [, tagged] = run(
      [
        [command("customer.upsert", { identified: false }), day(0)],
        [command("customer.upsert", { tags: ["x"] }), day(1)],
      ],
      [anyone],
    );
    expect(memberships(tagged?.facts ?? [])).toEqual([]);
  });

  it("does not evaluate anonymous customers in real time", () => {
    const [, vip] = run([
      [command("customer.upsert", { identified: false }), day(0)],
      [command("customer.upsert", { tier: "VIP" }), day(1)],
    ]);
    expect(memberships(vip?.facts ?? [])).toEqual([]);
    const [, , identified] = run([
      [command("customer.upsert", { identified: false }), day(0)],
      [command("customer.upsert", { tier: "VIP" }), day(1)],
      [command("customer.upsert", { identified: true }), day(2)],
    ]);
    expect(memberships(identified?.facts ?? [])).toEqual([`aud-vip ENTERED ${day(2).toISOString()}`]);
  });

  it("evaluates a run's rule even for an anonymous customer, and answers every run command", () => {
    const rule = { attribute: "tier", op: "eq", value: "VIP" };
    const [, entered, again, invalid] = run([
      [command("customer.upsert", { identified: false, tier: "VIP" }), day(0)],
      [command("audience.evaluate", { audienceId: "aud-x", runId: "run-1", rule }), day(1)],
      [command("audience.evaluate", { audienceId: "aud-x", runId: "run-1", rule }), day(1)],
      [command("audience.evaluate", { audienceId: "aud-x", runId: "run-2", rule: { tag: "" } }), day(1)],
    ]);
    expect(entered?.facts).toEqual([
      {
        type: "membership.changed",
        data: { audienceId: "aud-x", change: "ENTERED", at: day(1).toISOString(), runId: "run-1" },
      },
    ]);
    expect(again?.facts).toEqual([
      { type: "membership.unchanged", data: { audienceId: "aud-x", runId: "run-1", member: true } },
    ]);
    expect(invalid?.facts).toEqual([
      { type: "membership.unchanged", data: { audienceId: "aud-x", runId: "run-2", member: true } },
    ]);
    expect(invalid?.outcomes).toEqual([
      {
        type: "invalidAudienceRule",
        audienceId: "aud-x",
        errors: [expect.stringMatching(/tag must be a non-empty string/)],
      },
    ]);
  });

  it("sets static membership, answers for unknown customers, and exits every audience on delete", () => {
    const [, added, , deleted] = run([
      [command("customer.upsert", { tier: "VIP" }), day(0)],
      [command("membership.set", { audienceId: "aud-static", runId: "imp-1", member: true }), day(1)],
      [command("membership.set", { audienceId: "aud-static", runId: "imp-1", member: true }), day(1)],
      [command("customer.delete", {}), day(2)],
    ]);
    expect(added?.state?.memberships.map((m) => m.audienceId)).toEqual(["aud-static", "aud-vip"]);
    expect(memberships(deleted?.facts ?? [])).toEqual([
      `aud-static EXITED ${day(2).toISOString()}`,
      `aud-vip EXITED ${day(2).toISOString()}`,
    ]);
    expect(deleted?.facts.at(-1)?.type).toBe("customer.deleted");

    const [unknown] = run([
      [command("membership.set", { audienceId: "aud-static", runId: "imp-1", member: true }, "nobody"), day(1)],
    ]);
    expect(unknown?.snapshot).toBeUndefined();
    expect(unknown?.facts).toEqual([
      { type: "membership.unchanged", data: { audienceId: "aud-static", runId: "imp-1", member: false } },
    ]);
  });
});

describe("an audience's rename in the customer actor", () => {
  const rename = (customerId = "c1") =>
    command(
      "membership.rename",
      { audienceId: "aud-vip", previousName: "VIP", audienceName: "VIP Customers", runId: "run-r" },
      customerId,
    );

  it("answers a member and a non-member with their membership under both names, changing nothing", () => {
    const [, entered, renamed] = run([
      [command("customer.upsert", { tier: "SILVER" }), day(0)],
      [command("customer.upsert", { tier: "VIP" }), day(1)],
      [rename(), day(2)],
    ]);
    expect(renamed?.facts).toEqual([
      {
        type: "membership.renamed",
        data: {
          audienceId: "aud-vip",
          previousName: "VIP",
          audienceName: "VIP Customers",
          member: true,
          runId: "run-r",
        },
      },
    ]);
    expect(renamed?.state?.memberships).toEqual(entered?.state?.memberships);

    const [, , exitedThenRenamed] = run([
      [command("customer.upsert", { tier: "VIP" }), day(0)],
      [command("customer.upsert", { tier: "GOLD" }), day(1)],
      [rename(), day(2)],
    ]);
    expect(exitedThenRenamed?.facts).toMatchObject([{ type: "membership.renamed", data: { member: false } }]);
    expect(exitedThenRenamed?.state?.memberships).toEqual([]);
  });

  it("answers for an unknown customer that it is no member, creating nobody", () => {
    const [result] = run([[rename("nobody"), day(0)]]);
    expect(result?.snapshot).toBeUndefined();
    expect(result?.facts).toEqual([
      { type: "membership.unchanged", data: { audienceId: "aud-vip", runId: "run-r", member: false } },
    ]);
  });
});
