import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CUSTOMERS_COLLECTION, type CustomerDocument } from "../../store/index.ts";
import { storedCustomer } from "../support/storedCustomer.ts";
import { createWorld, type GraphQLResult, uniqueId, type World } from "../support/world.ts";

/** Caps, quiet hours and time zones through the gateway: stored per account, refused naming the field. */
let world: World;
let other: World;

beforeAll(async () => {
  const database = uniqueId("db");
  [world, other] = await Promise.all([createWorld({ database }), createWorld({ database })]);
});
afterAll(async () => {
  await Promise.all([world?.close(), other?.close()]);
});

const SETTINGS = "{ timezone quietHours { start end action } caps { channel max per } }";
const configure = (input: Record<string, unknown>, on = world) =>
  on.graphql<{ configureMessaging: Record<string, unknown> }>(
    `mutation($i: MessagingSettingsInput!) { configureMessaging(input: $i) ${SETTINGS} }`,
    { i: input },
  );
const read = async (on = world) =>
  (await on.graphql<{ messagingSettings: Record<string, unknown> }>(`query { messagingSettings ${SETTINGS} }`)).data
    ?.messagingSettings;

function refusedFields(result: GraphQLResult<unknown>) {
  const error = result.errors?.[0] ?? expect.fail(`accepted: ${JSON.stringify(result.data)}`);
  expect(error.extensions?.code).toBe("BAD_USER_INPUT");
  return ((error.extensions?.issues ?? []) as { field: string }[]).map((issue) => issue.field);
}

describe("configureMessaging", () => {
  it("has no rules until configured, then reads back what was stored, for its account only", async () => {
    expect(await read()).toEqual({ timezone: null, quietHours: null, caps: [] });
    const input = {
      timezone: "Europe/Madrid",
      quietHours: { start: "21:00", end: "08:00", action: "DEFER" },
      caps: [
        { channel: "EMAIL", max: 1, per: "DAY" },
        { max: 5, per: "WEEK" },
      ],
    };
    const expected = { ...input, caps: [input.caps[0], { channel: null, max: 5, per: "WEEK" }] };
    expect((await configure(input)).data?.configureMessaging).toEqual(expected);
    expect(await read()).toEqual(expected);
    expect(await world.services.messagingSettings.get(world.account)).toEqual({
      timezone: "Europe/Madrid",
      quietHours: { start: "21:00", end: "08:00", action: "DEFER" },
      caps: [
        { channel: "EMAIL", max: 1, per: "DAY" },
        { channel: null, max: 5, per: "WEEK" },
      ],
    });
    expect(await read(other)).toEqual({ timezone: null, quietHours: null, caps: [] });

    // A second configure replaces the first: what it leaves out is unset.
    await configure({ caps: [{ channel: "PUSH", max: 3, per: "DAY" }] });
    expect(await read()).toEqual({ timezone: null, quietHours: null, caps: [{ channel: "PUSH", max: 3, per: "DAY" }] });
    expect(await world.services.messagingSettings.get(world.account)).toEqual({
      caps: [{ channel: "PUSH", max: 3, per: "DAY" }],
    });
  });

  it("refuses a time zone, a time of day or a cap that is not one, naming the field", async () => {
    const quiet = { start: "21:00", end: "08:00", action: "DROP" };
    const cases: [Record<string, unknown>, string][] = [
      [{ timezone: "Mars/Olympus_Mons" }, "input.timezone"],
      [{ quietHours: { ...quiet, start: "9:00" } }, "input.quietHours.start"],
      [{ quietHours: { ...quiet, end: "24:00" } }, "input.quietHours.end"],
      [{ quietHours: { ...quiet, end: "21:00" } }, "input.quietHours.end"],
      [{ caps: [{ max: -1, per: "DAY" }] }, "input.caps[0].max"],
      [{ caps: Array.from({ length: 21 }, () => ({ max: 1, per: "DAY" })) }, "input.caps"],
    ];
    for (const [input, field] of cases) expect(refusedFields(await configure(input)), field).toEqual([field]);
    expect(await read()).toEqual({ timezone: null, quietHours: null, caps: [{ channel: "PUSH", max: 3, per: "DAY" }] });
  });
});

describe("a customer's time zone", () => {
  const UPSERT = "mutation($i: CustomerInput!) { upsertCustomer(input: $i) { accepted } }";

  it("is accepted on upsertCustomer and handed to the customer actor with the profile", async () => {
    const customerId = uniqueId("c");
    const result = await world.graphql(UPSERT, { i: { customerId, timezone: "America/Mexico_City" } });
    expect(result.errors).toBeUndefined();
    const command = (await world.ingestedCommands()).find((c) => c.metadata.customerId === customerId);
    expect(command?.data).toMatchObject({ timezone: "America/Mexico_City" });
  });

  it("is refused when it is not an IANA time zone, naming the field", async () => {
    const result = await world.graphql(UPSERT, { i: { customerId: uniqueId("c"), timezone: "GMT+25" } });
    expect(refusedFields(result)).toEqual(["input.timezone"]);
  });

  it("is read back on the Customer", async () => {
    const customerId = uniqueId("c");
    await world.store.db
      .collection<CustomerDocument>(CUSTOMERS_COLLECTION)
      .insertOne(storedCustomer(world.account, customerId, { profile: { timezone: "Asia/Tokyo" } }));
    const read = await world.graphql<{ customer: { timezone: string | null } }>(
      "query($id: ID!) { customer(customerId: $id) { timezone } }",
      { id: customerId },
    );
    expect(read.data?.customer).toEqual({ timezone: "Asia/Tokyo" });
  });
});
