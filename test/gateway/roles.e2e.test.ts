import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, TEST_ROOT_KEY, uniqueId, type World } from "../support/world.ts";

let a: World;
let b: World;
let sdkKey: string;
beforeAll(async () => {
  const database = uniqueId("db");
  [a, b] = await Promise.all([createWorld({ database }), createWorld({ database })]);
  const created = await a.graphql<{ createApiKey: { key: string; role: string; account: string } }>(
    "mutation { createApiKey(role: SDK) { key role account } }",
  );
  expect(created.data?.createApiKey).toMatchObject({ role: "SDK", account: a.account });
  sdkKey = created.data?.createApiKey.key ?? "";
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

const codeOf = (result: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  result.errors?.[0]?.extensions?.code;

const UPSERT = `mutation { upsertCustomer(input: { customerId: "c1", tier: "VIP" }) { accepted } }`;
const TRACK = `mutation { trackEvents(events: [{ customerId: "c1", name: "opened" }]) { accepted } }`;
const DEVICE = `mutation { registerDevice(input: { customerId: "c1", token: "t1", platform: ANDROID }) { accepted } }`;

describe("authentication", () => {
  it.each([
    ["no key", null],
    ["an unknown key", "mv_admin_not-a-real-key"],
    ["a malformed header value", "two words"],
  ])("refuses %s as unauthenticated", async (_name, key) => {
    const result = await a.graphql(TRACK, {}, key);
    expect(codeOf(result)).toBe("UNAUTHENTICATED");
  });

  it("stops accepting a key once it is revoked, and only its own account can revoke it", async () => {
    const created = await a.graphql<{ createApiKey: { id: string; key: string } }>(
      "mutation { createApiKey(role: ADMIN) { id key } }",
    );
    const { id, key } = created.data?.createApiKey ?? { id: "", key: "" };
    expect((await a.graphql(UPSERT, {}, key)).errors).toBeUndefined();

    const fromB = await b.graphql<{ revokeApiKey: boolean }>("mutation($id: ID!) { revokeApiKey(id: $id) }", { id });
    expect(fromB.data?.revokeApiKey).toBe(false);
    expect((await a.graphql(UPSERT, {}, key)).errors).toBeUndefined();

    const fromA = await a.graphql<{ revokeApiKey: boolean }>("mutation($id: ID!) { revokeApiKey(id: $id) }", { id });
    expect(fromA.data?.revokeApiKey).toBe(true);
    expect(codeOf(await a.graphql(UPSERT, {}, key))).toBe("UNAUTHENTICATED");
  });
});

describe("roles", () => {
  it("lets an SDK key register devices and track events", async () => {
    expect((await a.graphql(TRACK, {}, sdkKey)).errors).toBeUndefined();
    expect((await a.graphql(DEVICE, {}, sdkKey)).errors).toBeUndefined();
    expect(
      (await a.graphql(`mutation { unregisterDevice(customerId: "c1", token: "t1") { accepted } }`, {}, sdkKey)).errors,
    ).toBeUndefined();
  });

  it.each([
    ["upsert a customer", UPSERT],
    ["delete a customer", `mutation { deleteCustomer(customerId: "c1") { accepted } }`],
    ["set consent", `mutation { setConsent(customerId: "c1", consent: { email: GRANTED }) { accepted } }`],
    ["create API keys", "mutation { createApiKey(role: ADMIN) { key } }"],
    ["revoke API keys", `mutation { revokeApiKey(id: "key_x") }`],
    ["create accounts", `mutation { createAccount(id: "sdk-made") { key } }`],
  ])("forbids an SDK key to %s, and publishes nothing", async (_name, query) => {
    const before = (await a.ingestedCommands()).length;
    expect(codeOf(await a.graphql(query, {}, sdkKey))).toBe("FORBIDDEN");
    expect(await a.ingestedCommands()).toHaveLength(before);
  });

  it("lets only the root key create accounts, each once", async () => {
    const id = uniqueId("acct");
    expect(codeOf(await a.graphql(`mutation($id: ID!) { createAccount(id: $id) { key } }`, { id }))).toBe("FORBIDDEN");
    const created = await a.graphql<{ createAccount: { account: string; role: string } }>(
      `mutation($id: ID!) { createAccount(id: $id) { account role } }`,
      { id },
      TEST_ROOT_KEY,
    );
    expect(created.data?.createAccount).toEqual({ account: id, role: "ADMIN" });
    const again = await a.graphql(`mutation($id: ID!) { createAccount(id: $id) { key } }`, { id }, TEST_ROOT_KEY);
    expect(codeOf(again)).toBe("ACCOUNT_EXISTS");
    const badId = await a.graphql(`mutation { createAccount(id: "Has Spaces") { key } }`, {}, TEST_ROOT_KEY);
    expect(badId.errors?.[0]?.message).toMatch(/^id: must be/);
  });

  it("forbids the root key to ingest: it belongs to no account", async () => {
    expect(codeOf(await a.graphql(UPSERT, {}, TEST_ROOT_KEY))).toBe("FORBIDDEN");
  });
});

describe("account isolation", () => {
  it("files every command under the key's own account, whatever the request names", async () => {
    const customerId = uniqueId("shared");
    const beforeB = (await b.ingestedCommands()).length;
    await a.graphql(`mutation($c: ID!) { upsertCustomer(input: { customerId: $c, tier: "A" }) { accepted } }`, {
      c: customerId,
    });
    await b.graphql(`mutation($c: ID!) { upsertCustomer(input: { customerId: $c, tier: "B" }) { accepted } }`, {
      c: customerId,
    });
    const inA = (await a.ingestedCommands()).filter((command) => command.metadata.customerId === customerId);
    const inB = (await b.ingestedCommands()).filter((command) => command.metadata.customerId === customerId);
    expect(inA.map((command) => command.data)).toEqual([expect.objectContaining({ tier: "A" })]);
    expect(inB.map((command) => command.data)).toEqual([expect.objectContaining({ tier: "B" })]);
    expect(await b.ingestedCommands()).toHaveLength(beforeB + 1);
  });

  it("does not let account A's key revoke or see account B's keys", async () => {
    const bKey = await b.graphql<{ createApiKey: { id: string; key: string } }>(
      "mutation { createApiKey(role: SDK) { id key } }",
    );
    const id = bKey.data?.createApiKey.id;
    const attempt = await a.graphql<{ revokeApiKey: boolean }>("mutation($id: ID!) { revokeApiKey(id: $id) }", { id });
    expect(attempt.data?.revokeApiKey).toBe(false);
    const viewer = await a.graphql<{ viewer: { account: string } }>(
      "{ viewer { account } }",
      {},
      bKey.data?.createApiKey.key,
    );
    expect(viewer.data?.viewer.account).toBe(b.account);
  });
});
