import { describe, expect, it } from "vitest";
import { type AudienceRule, applyCommand } from "../../../actors/customer/index.ts";
import type { CustomerFactDraft, PersistedCustomer } from "../../../model/index.ts";
import { type Rule, rulePaths } from "../../../rules/index.ts";
import { command } from "./customerScript.ts";

const T0 = Date.parse("2026-03-01T12:00:00.000Z");
const second = (n: number) => new Date(T0 + n * 1_000);

const audience = (id: string, rule: Rule): AudienceRule => ({ id, rule, paths: rulePaths(rule) });
const RECENT_BUYERS = audience("aud-recent", { event: "FULFILL", within: { minutes: 1 } });
const LAPSED = audience("aud-lapsed", {
  all: [
    { event: "visit", within: { days: 30 } },
    { event: "FULFILL", notWithin: { minutes: 2 } },
  ],
});
const REPEAT = audience("aud-repeat", { event: "FULFILL", within: { minutes: 5 }, count: { gte: 2 } });
const AUDIENCES = [RECENT_BUYERS, LAPSED, REPEAT];

const order = (orderId: string, at: number) =>
  command("event.track", {
    name: "FULFILL",
    timestamp: second(at).toISOString(),
    properties: { orderId, currency: "EUR", items: [{ sku: "s", price: 1, quantity: 1 }] },
  });
const visit = (at: number) =>
  command("event.track", { name: "visit", timestamp: second(at).toISOString(), properties: {} });
const wake = (dueAt: string) => command("customer.wake", { dueAt });
const changes = (facts: CustomerFactDraft[]) =>
  facts.flatMap((fact) => (fact.type === "membership.changed" ? [`${fact.data.audienceId} ${fact.data.change}`] : []));

function apply(customer: PersistedCustomer | undefined, next: ReturnType<typeof command>, at: Date) {
  return applyCommand(customer, next, at, AUDIENCES);
}

describe("time-window audiences end on time", () => {
  it("given a purchase, the customer is due when it leaves the 1-minute window, and the wake then exits the audience", () => {
    const bought = apply(undefined, order("o1", 0), second(0));
    expect(changes(bought.facts)).toEqual(["aud-recent ENTERED"]);
    expect(bought.state?.nextDueAt).toBe(new Date(T0 + 60_000 + 1).toISOString());

    const early = apply(bought.snapshot, wake(bought.state?.nextDueAt ?? ""), second(30));
    expect(changes(early.facts)).toEqual([]);
    const due = apply(bought.snapshot, wake(bought.state?.nextDueAt ?? ""), new Date(T0 + 60_001));
    expect(changes(due.facts)).toEqual(["aud-recent EXITED"]);
  });

  it("a count in a window ends when the older of the two events leaves it; a 'not within' starts when the last one does", () => {
    let customer = apply(undefined, visit(0), second(0)).snapshot;
    const first = apply(customer, order("o1", 10), second(10));
    customer = first.snapshot;
    const second_ = apply(customer, order("o2", 20), second(20));
    expect(changes(second_.facts)).toEqual(["aud-repeat ENTERED"]);
    // Woken each time it is due: what changed then, at which second.
    const woken: string[] = [];
    let state = second_;
    while (state.state?.nextDueAt) {
      const dueAt = state.state.nextDueAt;
      state = apply(state.snapshot, wake(dueAt), new Date(dueAt));
      woken.push(`${(Date.parse(dueAt) - T0 - 1) / 1_000}: ${changes(state.facts).join(", ")}`);
    }
    expect(woken).toEqual([
      "80: aud-recent EXITED",
      "140: aud-lapsed ENTERED",
      "310: aud-repeat EXITED",
      // The newer order leaves the count's window too: nothing changes.
      "320: ",
      // The visit leaves its 30 days: no longer a lapsed visitor, and nothing is due after.
      "2592000: aud-lapsed EXITED",
    ]);
  });

  it("an anonymous customer is never due for audiences it is not evaluated for", () => {
    const anonymous = command("customer.upsert", { identified: false });
    const customer = apply(undefined, anonymous, second(0)).snapshot;
    expect(apply(customer, order("o1", 1), second(1)).state?.nextDueAt).toBeUndefined();
  });
});
