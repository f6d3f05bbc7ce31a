import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brazeIntegrationId, createSecretBox } from "../../store/index.ts";
import { BRAZE_SETTINGS } from "../support/brazeSettings.ts";
import { createWorld, type GraphQLResult, TEST_MASTER_KEY, type World } from "../support/world.ts";

/**
 * `syncLog(after:)` reads the caller's integration only, whatever the cursor: the cursor must be an
 * entry id of that integration's log, and the store query is bounded to the account and integration.
 * Accounts whose ids sort just before and just after the caller's hold entries too.
 */
let world: World;
let neighbours: string[];
const ENTRIES = 3;

const SYNC_LOG = `query($id: ID!, $first: Int, $after: String) {
  syncLog(integrationId: $id, first: $first, after: $after) {
    edges { cursor node { id customerId } } pageInfo { hasNextPage endCursor } } }`;

type Page = {
  syncLog: { edges: { cursor: string; node: { id: string; customerId: string } }[]; pageInfo: { endCursor: string } };
};

/** Entries of an account's Braze integration, written as the destination worker writes them. */
function logEntries(account: string) {
  return world.services.syncLog.record(
    Array.from({ length: ENTRIES }, (_, part) => ({
      integrationId: brazeIntegrationId(account),
      account,
      customerId: `${account}-customer`,
      item: "events",
      factId: `fact-${part}`,
      part,
      httpStatus: 400,
      message: "refused",
    })),
  );
}

beforeAll(async () => {
  world = await createWorld();
  const secrets = createSecretBox(TEST_MASTER_KEY);
  await world.services.integrations.configureBraze(world.account, BRAZE_SETTINGS, secrets.seal("k"));
  neighbours = ["a", `${world.account}-x`, `${world.account}0`, `${world.account}z`, "zz"];
  for (const account of [world.account, ...neighbours]) await logEntries(account);
});
afterAll(async () => {
  await world?.close();
});

const integrationId = () => brazeIntegrationId(world.account);
const read = (after: unknown, id = integrationId(), first = 500) =>
  world.graphql<Page>(SYNC_LOG, { id, first, after }) as Promise<GraphQLResult<Page>>;

/** Every entry answered belongs to the caller, or the cursor was refused naming `after`. */
function onlyTheCallers(result: GraphQLResult<Page>) {
  if (result.errors) {
    expect(result.errors[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors[0]?.extensions?.issues).toEqual([expect.objectContaining({ field: "after" })]);
    return;
  }
  for (const { node } of result.data?.syncLog.edges ?? []) {
    expect(node.customerId).toBe(`${world.account}-customer`);
    expect(node.id.startsWith(`${integrationId()}:`)).toBe(true);
  }
}

describe("syncLog(after:)", () => {
  it("pages through the caller's log with the cursors it hands out", async () => {
    const first = await read(undefined, integrationId(), 2);
    expect(first.errors).toBeUndefined();
    expect(first.data?.syncLog.edges).toHaveLength(2);
    const rest = await read(first.data?.syncLog.pageInfo.endCursor, integrationId(), 2);
    expect(rest.errors).toBeUndefined();
    expect(rest.data?.syncLog.edges).toHaveLength(ENTRIES - 2);
    onlyTheCallers(rest);
  });

  it('refuses "~", other accounts\' cursors and any text that is not one of its cursors, naming after', async () => {
    const neighbourCursor = `${brazeIntegrationId(neighbours[1] ?? "")}:001767225600000:abcdef:000000001`;
    for (const after of [
      "~",
      "",
      "\u0000",
      "\uffff",
      `${integrationId()};`,
      `${integrationId()}:~`,
      `${integrationId()}:001767225600000:abcdef:000000001~`,
      neighbourCursor,
      '{"$gt": ""}',
      "x".repeat(5000),
    ]) {
      const result = await read(after);
      expect(result.errors?.[0]?.extensions?.code, after.slice(0, 40)).toBe("BAD_USER_INPUT");
      expect(result.errors?.[0]?.message).toBe(
        "after: must be the endCursor of an earlier page of this integration's sync log",
      );
      expect(result.data?.syncLog).toBeUndefined();
    }
  });

  it("answers a well-formed cursor past every entry with the caller's entries only", async () => {
    const result = await read(`${integrationId()}:999999999999999:ffffff:999999999`);
    expect(result.errors).toBeUndefined();
    expect(result.data?.syncLog.edges).toHaveLength(ENTRIES);
    onlyTheCallers(result);
  });

  it("answers another account's integration as an empty log, with a cursor of its own shape too", async () => {
    const other = brazeIntegrationId(neighbours[2] ?? "");
    const result = await read(`${other}:999999999999999:ffffff:999999999`, other);
    expect(result.errors).toBeUndefined();
    expect(result.data?.syncLog.edges).toEqual([]);
  });

  it("never answers another account's entry, whatever the cursor (property)", async () => {
    const prefixes = fc.constantFrom("", `${integrationId()}:`, `${integrationId()}:0000017`, "braze_", "~");
    await fc.assert(
      fc.asyncProperty(prefixes, fc.string({ unit: "binary", maxLength: 60 }), async (prefix, tail) => {
        onlyTheCallers(await read(prefix + tail));
      }),
      { numRuns: 150 },
    );
  });
});
