import { describe, expect, it } from "vitest";
import { applyCommand } from "../../../actors/customer/applyCommand.ts";
import type {
  Channel,
  MessageCategory,
  MessagingSettings,
  PersistedCustomer,
  SendDecision,
} from "../../../model/index.ts";
import { command, given } from "./customerScript.ts";

const NO_RULES: MessagingSettings = { caps: [] };

function send(
  key: string,
  options: { channel?: Channel; category?: MessageCategory; messaging?: MessagingSettings } = {},
) {
  return command("message.send", {
    sendKey: `api:${key}`,
    channel: options.channel ?? "EMAIL",
    category: options.category ?? "MARKETING",
    templateId: "tpl-1",
    templateVersion: 2,
    source: "api",
    variables: { data: { coupon: "X1" } },
    messaging: options.messaging ?? NO_RULES,
  });
}

/** What the actor decided for one send, applied at `when`, and the customer it leaves. */
function decide(customer: PersistedCustomer | undefined, sendCommand: ReturnType<typeof send>, when: string) {
  const result = applyCommand(customer, sendCommand, new Date(when));
  expect(result.facts).toHaveLength(1);
  const [fact] = result.facts;
  if (fact?.type !== "send.decided") throw new Error(`expected send.decided, got ${fact?.type}`);
  return { decision: fact.data.decision as SendDecision, data: fact.data, snapshot: result.snapshot };
}

const emailable = command("customer.upsert", {
  email: "ana@example.com",
  firstName: "Ana",
  consent: { email: "GRANTED", push: "GRANTED", whatsapp: "GRANTED" },
  attributes: { plan: "gold" },
});

describe("message.send: consent and address", () => {
  it("given a customer who granted email, when a marketing email is asked for, then it is queued to her address with her data", () => {
    const { decision, data } = decide(given(emailable), send("a"), "2026-03-02T12:00:00.000Z");
    expect(decision).toEqual({ status: "QUEUED", target: { channel: "EMAIL", email: "ana@example.com" } });
    expect(data.customer).toEqual({
      customerId: "c1",
      email: "ana@example.com",
      firstName: "Ana",
      attributes: { plan: "gold" },
    });
    expect(data).toMatchObject({ sendKey: "api:a", templateId: "tpl-1", templateVersion: 2, source: "api" });
    expect(data).not.toHaveProperty("messaging");
  });

  it("given consent UNKNOWN, then marketing is suppressed (NO_CONSENT) but a transactional message is queued", () => {
    const unknown = given(command("customer.upsert", { email: "bo@example.com" }));
    const when = "2026-03-02T12:00:00.000Z";
    expect(decide(unknown, send("m"), when).decision).toEqual({ status: "SUPPRESSED", reason: "NO_CONSENT" });
    expect(decide(unknown, send("t", { category: "TRANSACTIONAL" }), when).decision.status).toBe("QUEUED");
  });

  it("given consent DENIED, then even a transactional message is suppressed", () => {
    const denied = given(emailable, command("consent.set", { email: "DENIED" }));
    const { decision } = decide(denied, send("t", { category: "TRANSACTIONAL" }), "2026-03-02T12:00:00.000Z");
    expect(decision).toEqual({ status: "SUPPRESSED", reason: "NO_CONSENT" });
  });

  it("suppresses a send with nowhere to go: no email, no device, no E.164 phone", () => {
    const bare = given(
      command("customer.upsert", { consent: { email: "GRANTED", push: "GRANTED", whatsapp: "GRANTED" } }),
    );
    const when = "2026-03-02T12:00:00.000Z";
    expect(decide(bare, send("e"), when).decision).toEqual({ status: "SUPPRESSED", reason: "NO_ADDRESS" });
    expect(decide(bare, send("p", { channel: "PUSH" }), when).decision).toEqual({
      status: "SUPPRESSED",
      reason: "NO_DEVICE",
    });
    expect(decide(bare, send("w", { channel: "WHATSAPP" }), when).decision).toEqual({
      status: "SUPPRESSED",
      reason: "NO_ADDRESS",
    });
    expect(decide(bare, send("i", { channel: "IN_APP" }), when).decision).toEqual({
      status: "QUEUED",
      target: { channel: "IN_APP" },
    });
  });

  it("sends push to every registered device", () => {
    const customer = given(
      emailable,
      command("device.register", { token: "t-ios", platform: "IOS" }),
      command("device.register", { token: "t-android", platform: "ANDROID", appId: "app" }),
    );
    const { decision } = decide(customer, send("p", { channel: "PUSH" }), "2026-03-02T12:00:00.000Z");
    expect(decision).toEqual({
      status: "QUEUED",
      target: {
        channel: "PUSH",
        devices: [
          { token: "t-ios", platform: "IOS" },
          { token: "t-android", platform: "ANDROID", appId: "app" },
        ],
      },
    });
  });

  it("given no customer, then the send is suppressed and no customer is created", () => {
    const result = applyCommand(undefined, send("x"), new Date("2026-03-02T12:00:00.000Z"));
    expect(result.snapshot).toBeUndefined();
    expect(result.facts).toMatchObject([
      { type: "send.decided", data: { decision: { status: "SUPPRESSED", reason: "NO_ADDRESS" } } },
    ]);
  });

  it("changes nothing of what the customer is: no profile fact, updatedAt unchanged", () => {
    const before = given(emailable);
    const { snapshot } = decide(before, send("a"), "2026-03-02T12:00:00.000Z");
    expect(snapshot?.status === "active" && snapshot.updatedAt).toBe(before?.status === "active" && before.updatedAt);
  });
});

describe("message.send: caps in the customer's local calendar", () => {
  const oneEmailADay: MessagingSettings = { caps: [{ channel: "EMAIL", max: 1, per: "DAY" }] };
  const madrid = command("customer.upsert", { timezone: "Europe/Madrid" });

  it("given a cap of 1 email a day, then the second is CAPPED and the next local day's is sent", () => {
    let customer = given(emailable, madrid);
    const first = decide(customer, send("1", { messaging: oneEmailADay }), "2026-03-02T10:00:00.000Z");
    expect(first.decision.status).toBe("QUEUED");
    customer = first.snapshot;
    // 22:30 UTC is 23:30 in Madrid: the same local day.
    const second = decide(customer, send("2", { messaging: oneEmailADay }), "2026-03-02T22:30:00.000Z");
    expect(second.decision).toEqual({ status: "SUPPRESSED", reason: "CAPPED" });
    // 23:30 UTC is 00:30 the next day in Madrid.
    const third = decide(second.snapshot, send("3", { messaging: oneEmailADay }), "2026-03-02T23:30:00.000Z");
    expect(third.decision.status).toBe("QUEUED");
  });

  it("counts a cap without a channel over every channel, and never counts transactional messages", () => {
    const anyTwoAWeek: MessagingSettings = { caps: [{ channel: null, max: 2, per: "WEEK" }] };
    let customer = given(emailable, command("device.register", { token: "t", platform: "ANDROID" }));
    // Monday 2 March 2026, then Wednesday, then a transactional one, then Sunday, then next Monday.
    customer = decide(customer, send("1", { messaging: anyTwoAWeek }), "2026-03-02T09:00:00.000Z").snapshot;
    customer = decide(
      customer,
      send("2", { channel: "PUSH", messaging: anyTwoAWeek }),
      "2026-03-04T09:00:00.000Z",
    ).snapshot;
    const transactional = decide(
      customer,
      send("t", { category: "TRANSACTIONAL", messaging: anyTwoAWeek }),
      "2026-03-05T09:00:00.000Z",
    );
    expect(transactional.decision.status).toBe("QUEUED");
    const sunday = decide(transactional.snapshot, send("3", { messaging: anyTwoAWeek }), "2026-03-08T09:00:00.000Z");
    expect(sunday.decision).toEqual({ status: "SUPPRESSED", reason: "CAPPED" });
    const monday = decide(sunday.snapshot, send("4", { messaging: anyTwoAWeek }), "2026-03-09T09:00:00.000Z");
    expect(monday.decision.status).toBe("QUEUED");
  });

  it("does not count a suppressed send", () => {
    const cap: MessagingSettings = { caps: [{ channel: "EMAIL", max: 1, per: "DAY" }] };
    const noConsent = given(command("customer.upsert", { email: "bo@example.com" }));
    const suppressed = decide(noConsent, send("1", { messaging: cap }), "2026-03-02T09:00:00.000Z");
    expect(suppressed.snapshot).toEqual(noConsent);
  });
});

describe("message.send: quiet hours", () => {
  const deferNights: MessagingSettings = {
    timezone: "America/New_York",
    quietHours: { start: "21:00", end: "08:00", action: "DEFER" },
    caps: [],
  };

  it("given quiet hours that cross midnight, then a send at 23:00 local is deferred to 08:00 the next local morning", () => {
    // 04:00 UTC on 3 March is 23:00 on 2 March in New York (UTC-5).
    const { decision } = decide(given(emailable), send("n", { messaging: deferNights }), "2026-03-03T04:00:00.000Z");
    expect(decision).toEqual({
      status: "QUEUED",
      target: { channel: "EMAIL", email: "ana@example.com" },
      notBefore: "2026-03-03T13:00:00.000Z",
    });
  });

  it("defers a send after midnight to the same local morning, across a daylight-saving change", () => {
    // 06:30 UTC on 8 March is 01:30 EST; clocks move to EDT (UTC-4) at 02:00, so 08:00 is 12:00 UTC.
    const { decision } = decide(given(emailable), send("d", { messaging: deferNights }), "2026-03-08T06:30:00.000Z");
    expect(decision).toMatchObject({ status: "QUEUED", notBefore: "2026-03-08T12:00:00.000Z" });
  });

  it("sends at once outside the quiet hours, and in the customer's own zone rather than the account's", () => {
    // 13:00 UTC: 08:00 in New York (just outside), but 22:00 in Tokyo (inside).
    const when = "2026-03-03T13:00:00.000Z";
    expect(decide(given(emailable), send("o", { messaging: deferNights }), when).decision).not.toHaveProperty(
      "notBefore",
    );
    const tokyo = given(emailable, command("customer.upsert", { timezone: "Asia/Tokyo" }));
    expect(decide(tokyo, send("t", { messaging: deferNights }), when).decision).toMatchObject({
      notBefore: "2026-03-03T23:00:00.000Z",
    });
  });

  it("drops a marketing send in the quiet hours when the action is DROP, and lets a transactional one through", () => {
    const dropNights: MessagingSettings = {
      ...deferNights,
      quietHours: { start: "21:00", end: "08:00", action: "DROP" },
    };
    const night = "2026-03-03T04:00:00.000Z";
    expect(decide(given(emailable), send("n", { messaging: dropNights }), night).decision).toEqual({
      status: "SUPPRESSED",
      reason: "QUIET_HOURS",
    });
    expect(
      decide(given(emailable), send("t", { category: "TRANSACTIONAL", messaging: dropNights }), night).decision,
    ).toEqual({ status: "QUEUED", target: { channel: "EMAIL", email: "ana@example.com" } });
  });

  it("counts a deferred send for caps on the day it will be sent", () => {
    const settings: MessagingSettings = { ...deferNights, caps: [{ channel: "EMAIL", max: 1, per: "DAY" }] };
    const deferred = decide(given(emailable), send("n", { messaging: settings }), "2026-03-03T04:00:00.000Z");
    // The next local morning (3 March) already has the deferred one.
    const morning = decide(deferred.snapshot, send("m", { messaging: settings }), "2026-03-03T15:00:00.000Z");
    expect(morning.decision).toEqual({ status: "SUPPRESSED", reason: "CAPPED" });
  });
});

describe("customer.unsubscribe", () => {
  const when = "2026-03-02T12:00:00.000Z";

  it("given a customer who unsubscribed by the link, then marketing is suppressed and transactional mail still goes", () => {
    const unsubscribed = given(emailable, command("customer.unsubscribe", { purpose: "email" }));
    expect(unsubscribed?.status === "active" && unsubscribed.consent.email).toBe("DENIED");
    expect(decide(unsubscribed, send("m"), when).decision).toEqual({ status: "SUPPRESSED", reason: "NO_CONSENT" });
    expect(decide(unsubscribed, send("t", { category: "TRANSACTIONAL" }), when).decision.status).toBe("QUEUED");
  });

  it("given an explicit denial after the unsubscribe, then transactional mail stops too", () => {
    const denied = given(
      emailable,
      command("customer.unsubscribe", { purpose: "email" }),
      command("consent.set", { email: "DENIED" }),
    );
    expect(decide(denied, send("t", { category: "TRANSACTIONAL" }), when).decision).toEqual({
      status: "SUPPRESSED",
      reason: "NO_CONSENT",
    });
  });

  it("given no such customer, then nothing is created", () => {
    const result = applyCommand(undefined, command("customer.unsubscribe", { purpose: "email" }), new Date(when));
    expect(result.snapshot).toBeUndefined();
    expect(result.outcomes).toEqual([{ type: "noCustomer", command: "customer.unsubscribe", status: "absent" }]);
  });
});
