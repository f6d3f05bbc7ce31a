import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestCommand } from "../../model/index.ts";
import { createWorld, uniqueId, type World } from "../support/world.ts";

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world.close());

const TRACK = "mutation($events: [EventInput!]!) { trackEvents(events: $events) { accepted ids } }";

async function track(customerId: string, ...ids: string[]) {
  const result = await world.graphql<{ trackEvents: { ids: string[] } }>(TRACK, {
    events: ids.map((id) => ({ id, customerId, name: "clicked" })),
  });
  expect(result.errors).toBeUndefined();
  return result.data?.trackEvents.ids;
}

async function storedFor(customerId: string): Promise<IngestCommand[]> {
  return (await world.ingestedCommands()).filter((command) => command.metadata.customerId === customerId);
}

const kinds = (commands: IngestCommand[]) => commands.map((command) => `${command.type} ${command.metadata.commandId}`);

describe("client event ids and Masivo's own command ids", () => {
  it.each([
    ["a device move's", "device.unregister", () => `device-move:${Math.floor(Math.random() * 1e9)}:0`],
    ["an audience run's", "membership.set", () => `${uniqueId("run_")}:customer`],
  ] as const)("never suppress each other: a client event id equal to %s id", async (_name, type, derivedId) => {
    const customerId = uniqueId("c");
    const first = derivedId();
    const second = derivedId();
    const internal = (id: string) =>
      world.publisher.publish([
        type === "device.unregister"
          ? { type, id: { derived: id }, data: { token: "tok" }, metadata: { account: world.account, customerId } }
          : {
              type,
              id: { derived: id },
              data: { audienceId: "aud_x", runId: "run_x", member: true },
              metadata: { account: world.account, customerId },
            },
      ]);
    // Masivo's command first, then the client's event with its id; then the other way round.
    await internal(first);
    await track(customerId, first);
    await track(customerId, second);
    await internal(second);
    expect(kinds(await storedFor(customerId))).toEqual([
      `${type} ${first}`,
      `event.track ${first}`,
      `event.track ${second}`,
      `${type} ${second}`,
    ]);
  });

  it("never suppress each other: a client event id equal to an id Masivo generated for another command", async () => {
    const customerId = uniqueId("c");
    const upsert = await world.graphql<{ upsertCustomer: { ids: string[] } }>(
      "mutation($input: CustomerInput!) { upsertCustomer(input: $input) { ids } }",
      { input: { customerId, tier: "gold" } },
    );
    const [generated = "?"] = upsert.data?.upsertCustomer.ids ?? [];
    await track(customerId, generated);
    expect(kinds(await storedFor(customerId))).toEqual([`customer.upsert ${generated}`, `event.track ${generated}`]);
  });

  it("keeps ids apart that differ only in spaces, line breaks or escapes, and stores each once", async () => {
    const customerId = uniqueId("c");
    const ids = [
      "a",
      " a",
      "a ",
      "a\n",
      "a\r\nNats-Expected-Stream: X",
      "a%0020",
      "a%20",
      "a\u0000",
      "\ud800",
      "\ufffd",
    ];
    expect(await track(customerId, ...ids)).toEqual(ids);
    expect(await track(customerId, ...ids)).toEqual(ids);
    const stored = await storedFor(customerId);
    expect(stored.map((command) => command.metadata.commandId)).toEqual(ids);
  });
});
