import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import {
  startWindowPlanner,
  type WindowPlanner,
} from "../../../../../actors/destination/braze/planning/brazePlanner.ts";
import type { SerializedCall } from "../../../../../actors/destination/braze/planning/callBodies.ts";
import type { WindowMessage } from "../../../../../actors/destination/integrationConsumer.ts";
import type { CustomerFact } from "../../../../../model/index.ts";
import { encodeFact } from "../../../../../streams/facts.ts";
import { BRAZE_SETTINGS } from "../../../../support/brazeSettings.ts";

const T0 = "2026-04-01T09:00:00.000Z";
const SETTINGS = BRAZE_SETTINGS;

/** A window: `ann` denies data sharing halfway; `bob` has 100 events (two calls); one payload is not a fact. */
function window(): WindowMessage[] {
  const facts: CustomerFact[] = [];
  const metadata = (customerId: string, n: number) => ({
    account: "acme",
    customerId,
    factId: `acme:${n}:0`,
    at: T0,
    sourceSeq: n,
  });
  const event = (customerId: string, n: number): CustomerFact => ({
    type: "event.recorded",
    data: { eventId: `e-${n}`, name: "tap", timestamp: T0, properties: { n }, internal: false },
    metadata: metadata(customerId, n),
  });
  facts.push(event("ann", 1));
  facts.push({
    type: "customer.profileChanged",
    data: {
      profile: { email: "ann@example.com" },
      attributes: {},
      consent: { dataSharing: "DENIED", email: "GRANTED", push: "GRANTED", sms: "GRANTED", whatsapp: "GRANTED" },
      identified: true,
      created: false,
      changed: ["consent"],
    },
    metadata: metadata("ann", 2),
  } as CustomerFact);
  facts.push(event("ann", 3));
  for (let n = 4; n < 104; n++) facts.push(event("bob", n));
  const messages = facts.map((fact, i) => ({ seq: 1_000 + i, data: encodeFact(fact) }));
  messages.splice(1, 0, { seq: 999_999, data: new TextEncoder().encode("not json") });
  return messages.map((message, i) => ({ ...message, seq: 1_000 + i }));
}

const bodies = (calls: SerializedCall[]) => calls.map((call) => JSON.parse(call.body) as Record<string, unknown[]>);

const planners: WindowPlanner[] = [];
afterEach(async () => {
  for (const planner of planners.splice(0)) await planner.close();
});

describe.each([
  ["on the event loop", false],
  ["on a thread of its own", true],
])("window planner %s", (_, onThread) => {
  const start = () => {
    const planner = startWindowPlanner(SETTINGS, { onThread, log: pino({ level: "silent" }) });
    planners.push(planner);
    return planner;
  };

  it("reads a window: the customers whose consent matters, the consent it leaves, what it could not read", async () => {
    const planner = start();
    const read = await planner.read(window());
    expect(read.needingConsent).toEqual(["ann", "bob"]);
    expect(read.consentAfter).toEqual([["ann", true]]);
    expect(read.unreadable).toEqual([{ seq: 1_001, reason: expect.stringContaining("JSON") }]);
  });

  it("plans calls ready to send, each naming its customers, and cuts one into COMBINED parts", async () => {
    const planner = start();
    await planner.read(window());
    const plan = await planner.plan(1_000, { mode: "PER_TYPE", denied: [] });
    // ann's event before her denial goes, the one after it does not; bob's 100 take two calls.
    const events = (calls: SerializedCall[]) => calls.map((call) => JSON.parse(call.body).events?.length);
    expect(events(plan.calls)).toEqual([1, 75, 25]);
    expect(plan.calls.map((call) => call.customers)).toEqual([["ann"], ["bob"], ["bob"]]);
    const parts = await planner.split(1_000, 1);
    expect(bodies(parts).map((body) => body.events?.length)).toEqual([75]);
    // What a call carries, for the sync log: the fact behind each body index.
    const carried = await planner.carried(1_000, 2);
    expect(carried.kind === "track" && carried.refs.events.map(([ref]) => ref?.origin.factId)).toEqual(
      Array.from({ length: 25 }, (_, i) => `acme:${79 + i}:0`),
    );
    const partCarried = await planner.carried(1_000, 1, 0);
    expect(partCarried.kind === "track" && partCarried.refs.events[0]?.[0]?.customerId).toBe("bob");
    const deniedFromStart = await planner.plan(1_000, { mode: "PER_TYPE", denied: ["ann"] });
    expect(events(deniedFromStart.calls)).toEqual([75, 25]);
  });

  it("forgets a window", async () => {
    const planner = start();
    await planner.read(window());
    planner.forget(1_000);
    await expect(planner.plan(1_000, { mode: "PER_TYPE", denied: [] })).rejects.toThrow(/not known/);
  });
});

describe("a window planner on a thread", () => {
  it("logs a window it could not forget, the thread stopped before answering", async () => {
    const lines: { msg: string; fromSeq: number; err: { message: string } }[] = [];
    const { promise: logged, resolve } = Promise.withResolvers<void>();
    const log = pino(
      { level: "warn" },
      {
        write(line: string) {
          lines.push(JSON.parse(line));
          resolve();
        },
      },
    );
    const planner = startWindowPlanner(SETTINGS, { onThread: true, log });
    planner.forget(1_000);
    await planner.close();
    await logged;
    expect(lines).toEqual([
      expect.objectContaining({
        msg: "the Braze planner could not forget a window",
        fromSeq: 1_000,
        err: expect.objectContaining({ message: expect.stringMatching(/exited/) }),
      }),
    ]);
  });
});
