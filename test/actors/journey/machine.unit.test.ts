import { describe, expect, it } from "vitest";
import {
  advanceInstance,
  enterJourney,
  type JourneyCustomer,
  type JourneyEvent,
  type JourneyMove,
  type JourneyVersion,
  nextLocalTime,
} from "../../../actors/journey/index.ts";
import type { JourneyInstance } from "../../../model/index.ts";
import { type JourneyDefinition, parseJourneyDefinition } from "../../../rules/index.ts";
import { abandonedCart as cartJourney } from "../../support/abandonedCart.ts";

const T0 = "2026-03-02T12:00:00.000Z";
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1_000).toISOString();

function version(definition: unknown, number = 1): JourneyVersion {
  const parsed = parseJourneyDefinition(definition);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return {
    journeyId: "jrn_cart",
    account: "acme",
    version: number,
    definition: parsed.definition as JourneyDefinition,
    templates: { tpl_cart: { channel: "EMAIL", version: 3 }, tpl_push: { channel: "PUSH", version: 1 } },
  };
}

const customer: JourneyCustomer = {
  customerId: "c-1",
  document: { profile: { email: "ana@example.com" }, attributes: { tier: "gold" }, tags: [], consent: {} },
  attributes: { tier: "gold", renewsAt: "2026-03-05T09:00:00.000Z" },
  timeZone: "Europe/Madrid",
};

const abandonedCart = version({ ...cartJourney("tpl_cart"), exit: { events: [{ event: "account_closed" }] } });

const event = (name: string, seconds: number, properties: Record<string, unknown> = {}): JourneyEvent => ({
  id: `${name}-${seconds}`,
  name,
  properties: properties as JourneyEvent["properties"],
  at: at(seconds),
});

function enterCart(cartId: string): JourneyMove {
  return enterJourney(
    { occurrence: `key:${cartId}`, key: cartId, entryEvent: event("cart_updated", 0, { cartId }) },
    { version: abandonedCart, name: "Cart", customer, now: T0 },
  );
}

const advance = (instance: JourneyInstance, input: Parameters<typeof advanceInstance>[1], seconds: number) =>
  advanceInstance(instance, input, { version: abandonedCart, name: "Cart", customer, now: at(seconds) });

describe("the abandoned cart", () => {
  it("given a cart updated, when it enters, then it waits for the checkout until the timeout, sending nothing", () => {
    const { instance, sends, changes } = enterCart("k1");
    expect(instance).toMatchObject({ status: "ACTIVE", stepId: "wait", waitingUntil: at(3600), stepsTaken: 0 });
    expect(sends).toEqual([]);
    expect(changes).toEqual([
      { journeyId: "jrn_cart", version: 1, occurrence: "key:k1", change: "ENTERED", stepId: "wait", at: T0 },
    ]);
  });

  it("given a cart waiting, when the hour passes with no checkout, then the reminder is sent once and the journey completes", () => {
    const waiting = enterCart("k1").instance;
    const early = advance(waiting, { kind: "wake" }, 3599);
    expect(early.instance).toBe(waiting);
    const due = advance(waiting, { kind: "wake" }, 3600);
    expect(due.sends).toHaveLength(1);
    expect(due.sends[0]).toMatchObject({
      channel: "EMAIL",
      category: "MARKETING",
      templateId: "tpl_cart",
      templateVersion: 3,
      source: "journey:jrn_cart@1/remind",
      variables: {
        journey: { id: "jrn_cart", name: "Cart" },
        event: { name: "cart_updated", properties: { cartId: "k1" } },
      },
    });
    expect(due.instance).toMatchObject({ status: "COMPLETED", stepId: "remind", endedAt: at(3600) });
    expect(due.instance.waitingUntil).toBeUndefined();
    expect(due.changes.map((change) => change.change)).toEqual(["STEPPED", "COMPLETED"]);
    // A second alarm for the same deadline finds nothing to do.
    expect(advance(due.instance, { kind: "wake" }, 3700).sends).toEqual([]);
  });

  it("given a cart waiting, when its checkout comes in time, then it ends without a send", () => {
    const waiting = enterCart("k1").instance;
    const checkedOut = advance(
      waiting,
      { kind: "event", event: event("checkout_completed", 60, { cartId: "k1" }) },
      60,
    );
    expect(checkedOut.instance).toMatchObject({ status: "COMPLETED", stepId: "done" });
    expect(checkedOut.sends).toEqual([]);
    expect(advance(checkedOut.instance, { kind: "wake" }, 3600).sends).toEqual([]);
  });

  it("given two carts, when one is checked out, then only that one's instance moves (sameKey)", () => {
    const cartA = enterCart("A").instance;
    const cartB = enterCart("B").instance;
    const checkout = { kind: "event" as const, event: event("checkout_completed", 60, { cartId: "A" }) };
    expect(advance(cartA, checkout, 60).instance.status).toBe("COMPLETED");
    expect(advance(cartB, checkout, 60).instance).toBe(cartB);
  });

  it("given a cart waiting, when a checkout that happened before the wait began arrives late, then it does not count", () => {
    const waiting = enterCart("k1").instance;
    const late = advance(waiting, { kind: "event", event: event("checkout_completed", -5, { cartId: "k1" }) }, 30);
    expect(late.instance).toBe(waiting);
  });

  it("given a cart waiting, when an exit event comes, then it exits at once with the reason and sends nothing at the deadline", () => {
    const waiting = enterCart("k1").instance;
    const exited = advance(waiting, { kind: "event", event: event("account_closed", 10) }, 10);
    expect(exited.instance).toMatchObject({ status: "EXITED", exitReason: "event account_closed" });
    expect(exited.changes).toEqual([
      expect.objectContaining({ change: "EXITED", stepId: "wait", exitReason: "event account_closed" }),
    ]);
    expect(advance(exited.instance, { kind: "wake" }, 3600).sends).toEqual([]);
  });

  it("given a cart waiting, when the journey is archived, then the instance exits", () => {
    const exited = advance(enterCart("k1").instance, { kind: "archived" }, 5);
    expect(exited.instance).toMatchObject({ status: "EXITED", exitReason: "journey archived" });
  });

  it("gives every send a key of its own: per customer, per occurrence, and the same when decided again", () => {
    const remind = (cartId: string, who: JourneyCustomer) =>
      advanceInstance(
        enterJourney(
          { occurrence: `key:${cartId}`, key: cartId, entryEvent: event("cart_updated", 0, { cartId }) },
          { version: abandonedCart, name: "Cart", customer: who, now: T0 },
        ).instance,
        { kind: "wake" },
        { version: abandonedCart, name: "Cart", customer: who, now: at(4000) },
      ).sends[0]?.sendKey;
    const other = { ...customer, customerId: "c-2" };
    expect(remind("A", customer)).toBe(remind("A", customer));
    expect(new Set([remind("A", customer), remind("B", customer), remind("A", other)]).size).toBe(3);
  });
});

describe("steps", () => {
  const welcome = (steps: Record<string, unknown>, start = "first") =>
    version({ entry: { type: "audience", audienceId: "aud_vip" }, start, steps });
  const enter = (journey: JourneyVersion, entryEvent?: JourneyEvent, who = customer) =>
    enterJourney(
      { occurrence: "audience:x", ...(entryEvent ? { entryEvent } : {}) },
      { version: journey, name: "Welcome", customer: who, now: T0 },
    );

  it("a delay in seconds waits that long, then goes on", () => {
    const journey = welcome({
      first: { type: "delay", seconds: 90, next: "send" },
      send: { type: "send", templateId: "tpl_push" },
    });
    const waiting = enter(journey).instance;
    expect(waiting.waitingUntil).toBe(at(90));
    const woke = advanceInstance(
      waiting,
      { kind: "wake" },
      { version: journey, name: "Welcome", customer, now: at(91) },
    );
    expect(woke.sends.map((send) => send.channel)).toEqual(["PUSH"]);
  });

  it("a delay until a date already past goes on at once; one to come waits for it; one read from a missing ref goes on", () => {
    const until = (untilDate: unknown) =>
      enter(
        welcome({
          first: { type: "delay", untilDate, next: "send" },
          send: { type: "send", templateId: "tpl_push" },
        }),
      );
    expect(until("2020-01-01T00:00:00Z").instance.status).toBe("COMPLETED");
    expect(until({ ref: "attributes.renewsAt" }).instance.waitingUntil).toBe("2026-03-05T09:00:00.000Z");
    expect(until({ ref: "attributes.nothing" }).instance.status).toBe("COMPLETED");
  });

  it("a delay until a local time waits for the next such time in the customer's zone", () => {
    const journey = welcome({
      first: { type: "delay", untilLocalTime: { hour: 9 }, next: "send" },
      send: { type: "send", templateId: "tpl_push" },
    });
    // 12:00 UTC is 13:00 in Madrid (CET): 09:00 is tomorrow, 08:00 UTC.
    expect(enter(journey).instance.waitingUntil).toBe("2026-03-03T08:00:00.000Z");
  });

  it("a branch takes the first case that matches the customer or the entry event, else its else", () => {
    const journey = version({
      entry: { type: "event", event: "signed_up" },
      start: "split",
      steps: {
        split: {
          type: "branch",
          cases: [
            { when: { property: "plan", op: "eq", value: "pro" }, next: "pro" },
            { when: { attribute: "attributes.tier", op: "eq", value: "gold" }, next: "gold" },
          ],
          else: "other",
        },
        pro: { type: "exit" },
        gold: { type: "exit" },
        other: { type: "exit" },
      },
    });
    const reached = (properties: Record<string, unknown>, who: JourneyCustomer) =>
      enterJourney(
        { occurrence: "e", entryEvent: event("signed_up", 0, properties) },
        { version: journey, name: "Welcome", customer: who, now: T0 },
      ).instance.stepId;
    const plain = { ...customer, document: { ...customer.document, attributes: {} } };
    expect(reached({ plan: "pro" }, customer)).toBe("pro");
    expect(reached({ plan: "free" }, customer)).toBe("gold");
    expect(reached({ plan: "free" }, plain)).toBe("other");
  });

  it("a step visited again sends under a new key", () => {
    const journey = welcome({
      first: { type: "send", templateId: "tpl_push", next: "pause" },
      pause: { type: "delay", seconds: 60, next: "first" },
    });
    const first = enter(journey);
    const second = advanceInstance(
      first.instance,
      { kind: "wake" },
      { version: journey, name: "Welcome", customer, now: at(60) },
    );
    expect(second.sends).toHaveLength(1);
    expect(second.sends[0]?.sendKey).not.toBe(first.sends[0]?.sendKey);
  });

  it("leaving an audience named in the exit criteria ends the instance; another audience does not", () => {
    const journey = version({
      entry: { type: "audience", audienceId: "aud_vip" },
      start: "first",
      steps: { first: { type: "delay", seconds: 60, next: "end" }, end: { type: "exit" } },
      exit: { audienceExit: ["aud_vip"] },
    });
    const waiting = enter(journey).instance;
    const context = { version: journey, name: "Welcome", customer, now: at(5) };
    expect(advanceInstance(waiting, { kind: "audienceExit", audienceId: "aud_other" }, context).instance).toBe(waiting);
    expect(advanceInstance(waiting, { kind: "audienceExit", audienceId: "aud_vip" }, context).instance).toMatchObject({
      status: "EXITED",
      exitReason: "left audience aud_vip",
    });
  });
});

describe("local times across daylight saving", () => {
  it("a time the spring-forward gap skips is the first instant after the gap", () => {
    // Madrid, 2026-03-29: 02:00 → 03:00.
    expect(
      nextLocalTime({ hour: 2, minute: 30 }, new Date("2026-03-28T23:00:00Z"), "Europe/Madrid").toISOString(),
    ).toBe("2026-03-29T01:00:00.000Z");
  });

  it("a time the fall-back hour repeats is its first occurrence", () => {
    // Madrid, 2026-10-25: 03:00 → 02:00; 02:30 happens at 00:30 UTC (CEST) and 01:30 UTC (CET).
    expect(
      nextLocalTime({ hour: 2, minute: 30 }, new Date("2026-10-24T22:00:00Z"), "Europe/Madrid").toISOString(),
    ).toBe("2026-10-25T00:30:00.000Z");
  });
});
