import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMAND_MAX_BYTES } from "../../model/index.ts";
import { createWorld, uniqueId, type World } from "../support/world.ts";

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world.close());

const TRACK = "mutation($events: [EventInput!]!) { trackEvents(events: $events) { accepted ids } }";
const UPSERT = "mutation($input: CustomerInput!) { upsertCustomer(input: $input) { accepted ids } }";
const KiB = 1024;

type Refusal = { message: string; extensions?: Record<string, unknown> };

/** Runs an operation over the gateway's fetch, keeping the HTTP status. */
async function post(query: string, variables: Record<string, unknown>) {
  const response = await world.gateway.fetch("http://masivo.test/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${world.adminKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: Refusal[] };
  return { status: response.status, body };
}

/** Five events of one customer; the one at `at` carries `properties`. */
function eventsWith(customerId: string, at: number, properties: Record<string, unknown>) {
  return Array.from({ length: 5 }, (_, i) => ({
    id: `${customerId}-${i}`,
    customerId,
    name: "viewed",
    properties: i === at ? properties : { i },
  }));
}

async function storedFor(customerId: string) {
  return (await world.ingestedCommands()).filter((command) => command.metadata.customerId === customerId);
}

const tooLarge: [string, string, (customerId: string) => Record<string, unknown>, string][] = [
  [
    "a 300 KiB event, fourth of five",
    TRACK,
    (customerId) => ({ events: eventsWith(customerId, 3, { blob: "x".repeat(300 * KiB) }) }),
    "events[3]",
  ],
  [
    "a 3 MiB event (the gateway takes 4 MiB bodies)",
    TRACK,
    (customerId) => ({ events: eventsWith(customerId, 0, { blob: "x".repeat(3 * 1024 * KiB) }) }),
    "events[0]",
  ],
  [
    "an event of 150,000 characters that UTF-8 makes 300 KB",
    TRACK,
    (customerId) => ({ events: eventsWith(customerId, 4, { text: "é".repeat(150_000) }) }),
    "events[4]",
  ],
  [
    "an event of 50,000 control characters that JSON escapes to 300 KB",
    TRACK,
    (customerId) => ({ events: eventsWith(customerId, 1, { text: "\u0001".repeat(50_000) }) }),
    "events[1]",
  ],
  [
    "an upsert with 300 KiB of attributes",
    UPSERT,
    (customerId) => ({ input: { customerId, attributes: { notes: "n".repeat(300 * KiB) } } }),
    "input",
  ],
  [
    "an upsert with 1,000 tags of 255 escaped characters",
    UPSERT,
    (customerId) => ({
      input: { customerId, tags: Array.from({ length: 1000 }, (_, i) => `${i}`.padEnd(255, "\u0002")) },
    }),
    "input",
  ],
];

describe("one command on INGEST", () => {
  it.each(tooLarge)(
    "refuses %s with PAYLOAD_TOO_LARGE naming it, HTTP 413, and stores nothing of the call",
    async (_name, query, variables, field) => {
      const customerId = uniqueId("c");
      const { status, body } = await post(query, variables(customerId));
      expect(status).toBe(413);
      expect(body.data ?? null).toBeNull();
      const [error] = body.errors ?? [];
      expect(error?.extensions).toMatchObject({ code: "PAYLOAD_TOO_LARGE", field, limit: COMMAND_MAX_BYTES });
      expect(error?.extensions?.bytes).toBeGreaterThan(COMMAND_MAX_BYTES);
      expect(error?.message).toMatch(
        new RegExp(
          `^${field.replace(/[[\]]/g, "\\$&")}: is [\\d,]+ bytes encoded; one command may be at most 262,144 bytes \\(256 KiB\\)$`,
        ),
      );
      expect(await storedFor(customerId)).toEqual([]);
    },
  );

  it("takes a call whose every command is within the bound, a 250 KiB event included", async () => {
    const customerId = uniqueId("c");
    const { status, body } = await post(TRACK, { events: eventsWith(customerId, 2, { blob: "x".repeat(250 * KiB) }) });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(await storedFor(customerId)).toHaveLength(5);
  });
});
