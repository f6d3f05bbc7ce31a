import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, uniqueId, type World } from "../support/world.ts";

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world.close());

const TRACK = "mutation($events: [EventInput!]!) { trackEvents(events: $events) { accepted ids } }";

describe("ingestion mutations", () => {
  it("stores each mutation's command in INGEST before answering, under the caller's account", async () => {
    const customerId = uniqueId("c");
    const upsert = await world.graphql(
      `mutation($input: CustomerInput!) { upsertCustomer(input: $input) { accepted ids } }`,
      {
        input: {
          customerId,
          email: "ana@example.com",
          phone: "+14155550123",
          tier: "VIP",
          attributes: { plan: { name: "gold" } },
          tags: ["b", "a"],
          consent: { email: "GRANTED", ads: "DENIED" },
        },
      },
    );
    expect(upsert.errors).toBeUndefined();
    const results = await Promise.all([
      world.graphql(TRACK, { events: [{ id: "e-1", customerId, name: "app_open", properties: { screen: "home" } }] }),
      world.graphql(`mutation($input: DeviceInput!) { registerDevice(input: $input) { accepted } }`, {
        input: { customerId, token: "tok-1", platform: "IOS", appId: "app" },
      }),
      world.graphql(`mutation($c: ID!) { unregisterDevice(customerId: $c, token: "tok-0") { accepted } }`, {
        c: customerId,
      }),
      world.graphql(`mutation($c: ID!) { setConsent(customerId: $c, consent: { push: GRANTED }) { accepted } }`, {
        c: customerId,
      }),
      world.graphql(`mutation($c: ID!) { deleteCustomer(customerId: $c) { accepted } }`, { c: customerId }),
    ]);
    for (const result of results) expect(result.errors).toBeUndefined();

    const commands = await world.ingestedCommands();
    expect(commands.map((command) => command.type).sort()).toEqual(
      [
        "consent.set",
        "customer.delete",
        "customer.upsert",
        "device.register",
        "device.unregister",
        "event.track",
      ].sort(),
    );
    for (const command of commands) {
      expect(command.metadata).toMatchObject({ account: world.account, customerId });
      expect(Date.parse(command.metadata.acceptedAt)).not.toBeNaN();
    }
    const byType = Object.fromEntries(commands.map((command) => [command.type, command]));
    expect(byType["customer.upsert"]?.data).toMatchObject({
      email: "ana@example.com",
      tier: "VIP",
      attributes: { plan: { name: "gold" } },
      tags: ["b", "a"],
      consent: { email: "GRANTED", ads: "DENIED" },
    });
    expect(byType["event.track"]).toMatchObject({
      data: { name: "app_open", properties: { screen: "home" } },
      metadata: { commandId: "e-1" },
    });
    expect(byType["device.register"]?.data).toEqual({ token: "tok-1", platform: "IOS", appId: "app" });
    expect(byType["consent.set"]?.data).toEqual({ push: "GRANTED" });
    expect(upsert.data).toEqual({
      upsertCustomer: { accepted: 1, ids: [byType["customer.upsert"]?.metadata.commandId] },
    });
  });

  it("stores the same event id once, however often it is sent", async () => {
    const before = (await world.ingestedCommands()).length;
    const customerId = uniqueId("c");
    const event = { id: uniqueId("evt"), customerId, name: "viewed", properties: { n: 1 } };
    const first = await world.graphql<{ trackEvents: { ids: string[] } }>(TRACK, { events: [event] });
    const again = await world.graphql<{ trackEvents: { ids: string[] } }>(TRACK, { events: [event, event] });
    expect(first.data?.trackEvents.ids).toEqual([event.id]);
    expect(again.data?.trackEvents.ids).toEqual([event.id, event.id]);
    const commands = await world.ingestedCommands();
    expect(commands.length - before).toBe(1);
  });

  it("keeps one customer's events in request order and accepts 1,000 at once", async () => {
    const customerId = uniqueId("c");
    const events = Array.from({ length: 1000 }, (_, i) => ({ customerId, name: "step", properties: { i } }));
    const result = await world.graphql<{ trackEvents: { accepted: number } }>(TRACK, { events });
    expect(result.data?.trackEvents.accepted).toBe(1000);
    const mine = (await world.ingestedCommands()).filter((command) => command.metadata.customerId === customerId);
    expect(mine.map((command) => (command.type === "event.track" ? command.data.properties.i : -1))).toEqual(
      events.map((_, i) => i),
    );
  });

  it("uses the event's timestamp when given, and leaves it to the acceptance time otherwise", async () => {
    const customerId = uniqueId("c");
    await world.graphql(TRACK, {
      events: [
        { customerId, name: "a", timestamp: "2026-01-02T03:04:05+01:00" },
        { customerId, name: "b" },
      ],
    });
    const mine = (await world.ingestedCommands()).filter((command) => command.metadata.customerId === customerId);
    expect(mine.map((command) => (command.type === "event.track" ? command.data.timestamp : "?"))).toEqual([
      "2026-01-02T02:04:05.000Z",
      undefined,
    ]);
  });
});
