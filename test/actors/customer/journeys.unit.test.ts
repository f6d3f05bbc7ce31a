import { describe, expect, it } from "vitest";
import { type AccountJourneys, type AudienceRule, applyCommand } from "../../../actors/customer/index.ts";
import type { JourneyVersion } from "../../../actors/journey/index.ts";
import type { CustomerFactDraft, IngestCommand, JourneyStatus, PersistedCustomer } from "../../../model/index.ts";
import { parseJourneyDefinition } from "../../../rules/index.ts";
import { abandonedCart } from "../../support/abandonedCart.ts";
import { at, command } from "./customerScript.ts";

function published(journeyId: string, definition: unknown): JourneyVersion {
  const parsed = parseJourneyDefinition(definition);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return {
    journeyId,
    account: "acme",
    version: 1,
    definition: parsed.definition,
    templates: { tpl_cart: { channel: "EMAIL", version: 2 } },
  };
}

const cart = published("jrn_cart", abandonedCart("tpl_cart", 600));

const vipWelcome = published("jrn_vip", {
  entry: { type: "audience", audienceId: "aud_vip" },
  start: "pause",
  steps: { pause: { type: "delay", seconds: 120, next: "hello" }, hello: { type: "send", templateId: "tpl_cart" } },
  exit: { audienceExit: ["aud_vip"] },
  reentry: { mode: "afterExit" },
});

function account(published: JourneyVersion[], statuses: Record<string, JourneyStatus> = {}): AccountJourneys {
  const status = (journeyId: string) => statuses[journeyId] ?? "LIVE";
  return {
    live: published.filter((version) => status(version.journeyId) === "LIVE"),
    version: (journeyId, version) => published.find((v) => v.journeyId === journeyId && v.version === version),
    status,
    name: (journeyId) => `the ${journeyId} journey`,
    messaging: { caps: [] },
  };
}

const vipRule: AudienceRule = {
  id: "aud_vip",
  name: "VIP",
  rule: { attribute: "tier", op: "eq", value: "vip" },
  paths: ["profile"],
};

/** Applies commands in order at the given minutes; answers the customer and every fact by command. */
function run(journeys: AccountJourneys, steps: [minute: number, command: IngestCommand][]) {
  let snapshot: PersistedCustomer | undefined;
  const facts: CustomerFactDraft[][] = [];
  for (const [minute, next] of steps) {
    const result = applyCommand(snapshot, next, at(minute), [vipRule], journeys);
    snapshot = result.snapshot;
    facts.push(result.facts);
  }
  if (snapshot?.status !== "active") throw new Error("expected an active customer");
  return { customer: snapshot, facts };
}

const shopper = command("customer.upsert", { email: "ana@example.com", consent: { email: "GRANTED" } });
const event = (name: string, cartId: string, minute: number) =>
  command("event.track", { name, timestamp: at(minute).toISOString(), properties: { cartId } });
const cartUpdated = (cartId: string, minute = 1) => event("cart_updated", cartId, minute);
const checkout = (cartId: string, minute: number) => event("checkout_completed", cartId, minute);
const wake = (minute: number) => command("customer.wake", { dueAt: at(minute).toISOString() });
const sendsIn = (facts: CustomerFactDraft[]) => facts.filter((fact) => fact.type === "send.decided");
const journeyChanges = (facts: CustomerFactDraft[]) =>
  facts.flatMap((fact) => (fact.type === "journey.changed" ? [`${fact.data.change} ${fact.data.stepId}`] : []));

describe("journeys in the customer actor", () => {
  it("given a cart left, when the customer is woken at the deadline, then one reminder is decided for her address", () => {
    const { customer, facts } = run(account([cart]), [
      [0, shopper],
      [1, cartUpdated("k1")],
      [11, wake(11)],
      [12, wake(11)],
    ]);
    expect(journeyChanges(facts[1] ?? [])).toEqual(["ENTERED wait"]);
    expect(sendsIn(facts[2] ?? [])).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({
          channel: "EMAIL",
          templateId: "tpl_cart",
          templateVersion: 2,
          decision: { status: "QUEUED", target: { channel: "EMAIL", email: "ana@example.com" } },
        }),
      }),
    ]);
    expect(facts[3]).toEqual([]);
    expect(customer.journeys).toEqual([expect.objectContaining({ status: "COMPLETED", stepId: "remind" })]);
    expect(customer.nextDueAt).toBeUndefined();
  });

  it("given a cart left, the customer's nextDueAt is the wait's deadline", () => {
    const { customer } = run(account([cart]), [
      [0, shopper],
      [1, cartUpdated("k1")],
    ]);
    expect(customer.nextDueAt).toBe(at(11).toISOString());
  });

  it("given two carts, when one is checked out, then only the other is reminded", () => {
    const { facts } = run(account([cart]), [
      [0, shopper],
      [1, cartUpdated("A")],
      [2, cartUpdated("B", 2)],
      [3, checkout("A", 3)],
      [12, wake(11)],
    ]);
    const reminders = sendsIn(facts[4] ?? []);
    expect(reminders).toHaveLength(1);
    expect(journeyChanges(facts[3] ?? [])).toEqual(["STEPPED done", "COMPLETED done"]);
  });

  it("given a cart waiting, when the same cart is updated again, then no second instance starts", () => {
    const { customer, facts } = run(account([cart]), [
      [0, shopper],
      [1, cartUpdated("k1")],
      [2, cartUpdated("k1", 2)],
    ]);
    expect(journeyChanges(facts[2] ?? [])).toEqual([]);
    expect(customer.journeys).toHaveLength(1);
  });

  it("given a paused journey, its instance holds at the deadline; archived, it exits", () => {
    const paused = run(account([cart], { jrn_cart: "PAUSED" }), [
      [0, shopper],
      [1, cartUpdated("k1")],
    ]);
    expect(paused.customer.journeys).toBeUndefined();
    const { customer: waiting } = run(account([cart]), [
      [0, shopper],
      [1, cartUpdated("k1")],
    ]);
    const held = applyCommand(waiting, wake(11), at(11), [], account([cart], { jrn_cart: "PAUSED" }));
    expect(held.facts).toEqual([]);
    const archived = applyCommand(waiting, wake(11), at(11), [], account([cart], { jrn_cart: "ARCHIVED" }));
    expect(journeyChanges(archived.facts)).toEqual(["EXITED wait"]);
    expect(sendsIn(archived.facts)).toEqual([]);
  });

  it("an audience-entry journey starts on entering, exits on leaving, and (afterExit) starts again on entering afresh", () => {
    const tier = (value: string) => command("customer.upsert", { tier: value });
    const { facts } = run(account([vipWelcome]), [
      [0, shopper],
      [1, tier("vip")],
      [2, tier("basic")],
      [3, tier("vip")],
      [6, wake(5)],
    ]);
    expect(journeyChanges(facts[1] ?? [])).toEqual(["ENTERED pause"]);
    expect(journeyChanges(facts[2] ?? [])).toEqual(["EXITED pause"]);
    expect(journeyChanges(facts[3] ?? [])).toEqual(["ENTERED pause"]);
    expect(sendsIn(facts[4] ?? [])).toHaveLength(1);
  });
});
