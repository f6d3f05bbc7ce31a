import { describe, expect, it } from "vitest";
import { type ApplyResult, applyCommand } from "../../../actors/customer/applyCommand.ts";
import {
  type CustomerFact,
  type CustomerFactDraft,
  type CustomerFactType,
  completeFact,
  FACT_TYPES,
  type IngestCommand,
  type IngestCommandType,
} from "../../../model/index.ts";
import {
  decodeFact,
  encodeFact,
  factIdOf,
  factSubject,
  factSubjectKind,
  readTrustedFact,
} from "../../../streams/facts.ts";

const T0 = "2026-07-01T00:00:00.000Z";

type Data<T extends IngestCommandType> = Extract<IngestCommand, { type: T }>["data"];
let sequence = 0;
function command<T extends IngestCommandType>(type: T, data: Data<T>): IngestCommand {
  const metadata = { account: "acme", customerId: "c.1$", commandId: `f-${++sequence}`, acceptedAt: T0 };
  return { type, data, metadata } as IngestCommand;
}

/** Every kind of fact the machine decides, from one small script. */
function allFacts(): CustomerFactDraft[] {
  const facts: CustomerFactDraft[] = [];
  let result: ApplyResult = { snapshot: undefined, facts: [], state: undefined, outcomes: [] };
  for (const cmd of [
    command("customer.upsert", { email: "a@example.com", tags: ["t"], attributes: { nested: { x: [1] } } }),
    command("event.track", {
      name: "FULFILL",
      properties: { orderId: "o", currency: "USD", items: [{ sku: "s", name: "Sock", price: 2, quantity: 2 }] },
    }),
    command("event.track", { name: "REVERSE", properties: { orderId: "o", items: [{ sku: "s", quantity: 3 }] } }),
    command("device.register", { token: "tok", platform: "ANDROID", appId: "app" }),
    command("device.unregister", { token: "tok" }),
    command("membership.set", { audienceId: "aud1", audienceName: "VIP", runId: "r1", member: true }),
    command("membership.rename", { audienceId: "aud1", previousName: "VIP", audienceName: "VIP Ñ", runId: "r2" }),
    command("customer.delete", {}),
  ]) {
    result = applyCommand(result.snapshot, cmd, new Date(T0));
    facts.push(...result.facts);
  }
  return facts;
}

describe("facts", () => {
  it("round-trips every fact the machine decides through encodeFact/decodeFact once metadata is added", () => {
    const drafts = allFacts();
    expect(new Set(drafts.map((draft) => draft.type))).toEqual(
      new Set([
        "customer.profileChanged",
        "tags.changed",
        "event.recorded",
        "purchase.recorded",
        "device.registered",
        "device.unregistered",
        "membership.changed",
        "membership.renamed",
        "customer.deleted",
      ]),
    );
    drafts.forEach((draft, index) => {
      const fact = completeFact(draft, {
        account: "acme",
        customerId: "c.1$",
        factId: factIdOf("acme", 42, index),
        at: T0,
        sourceSeq: 42,
      });
      expect(decodeFact(encodeFact(fact))).toStrictEqual(fact);
      expect(readTrustedFact(encodeFact(fact))).toStrictEqual(fact);
    });
  });

  it("reads a trusted fact only when its envelope is one this version knows", () => {
    const metadata = { account: "acme", customerId: "c", factId: "f", at: T0, sourceSeq: 1 };
    const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    expect(readTrustedFact(payload({ type: "customer.deleted", data: {}, metadata }))).toMatchObject({
      type: "customer.deleted",
    });
    expect(() => readTrustedFact(payload({ type: "customer.renamed", data: {}, metadata }))).toThrow(
      /not a CHANGES fact/,
    );
    expect(() => readTrustedFact(payload({ type: "customer.deleted", metadata }))).toThrow(/not a CHANGES fact/);
    expect(() =>
      readTrustedFact(payload({ type: "customer.deleted", data: {}, metadata: { ...metadata, customerId: "" } })),
    ).toThrow(/not a CHANGES fact/);
    expect(() => readTrustedFact(new TextEncoder().encode("{"))).toThrow(SyntaxError);
  });

  it("refuses a malformed fact", () => {
    const bad = {
      type: "purchase.recorded",
      data: { orderId: "o", currency: "USD", sign: 2, cause: "FULFILL", items: [], timestamp: T0 },
      metadata: { account: "acme", customerId: "c", factId: "f", at: T0, sourceSeq: 1 },
    };
    expect(() => decodeFact(new TextEncoder().encode(JSON.stringify(bad)))).toThrow();
  });

  it("publishes every fact type under one plain subject token, so a filter on its kind gets just that kind", () => {
    for (const type of FACT_TYPES) {
      // No dot and no wildcard: `chg.<account>.<kind>` is one exact subject, whatever the account.
      expect(factSubjectKind(type), type).toMatch(/^[a-z]+$/);
    }
  });

  it("shares a subject only between facts one reader needs together, in their order", () => {
    const typesOfKind = new Map<string, CustomerFactType[]>();
    for (const type of FACT_TYPES) {
      const kind = factSubjectKind(type);
      typesOfKind.set(kind, [...(typesOfKind.get(kind) ?? []), type]);
    }
    // A token's registration and its removal; an audience's changes and its runs' other answers.
    expect([...typesOfKind.values()].filter((types) => types.length > 1)).toEqual([
      ["device.registered", "device.unregistered"],
      ["membership.changed", "membership.unchanged", "membership.renamed"],
    ]);
  });

  it("names a fact after the INGEST message and position that caused it, so reprocessing republishes the same id", () => {
    expect(factIdOf("acme", 7, 2)).toBe("acme:7:2");
    expect(factIdOf("acme", 7, 3)).not.toBe(factIdOf("acme", 7, 2));
  });

  it("publishes a push topic change to MESSAGES for the topic worker, never to CHANGES", () => {
    const fact: CustomerFact = {
      type: "pushTopic.changed",
      data: { audienceId: "aud-1", subscribe: ["t1"], unsubscribe: [] },
      metadata: { account: "acme", customerId: "c1", factId: "acme:7:0", at: "2026-03-01T12:00:00.000Z", sourceSeq: 7 },
    };
    expect(factSubject(fact)).toBe("msg.acme.pushtopic");
  });

  it("publishes membership facts under their audience, everything else under its kind", () => {
    const metadata = { account: "acme", customerId: "c", factId: "f", at: T0, sourceSeq: 1 };
    const entered = { type: "membership.changed", data: { audienceId: "aud1", change: "ENTERED", at: T0 }, metadata };
    const tags = { type: "tags.changed", data: { tags: [] }, metadata };
    const renamed = {
      type: "membership.renamed",
      data: { audienceId: "aud1", previousName: "VIP", audienceName: "VIP Customers", member: true, runId: "r" },
      metadata,
    };
    expect(factSubject(entered as CustomerFact)).toBe("chg.acme.membership.aud1");
    expect(factSubject(renamed as CustomerFact)).toBe("chg.acme.membership.aud1");
    expect(factSubject(tags as CustomerFact)).toBe("chg.acme.tags");
  });
});
