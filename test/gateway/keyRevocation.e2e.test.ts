import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH_FAILURE_BURST } from "../../gateway/authFailureLimiter.ts";
import { apiKeysRepository, connectStore, type Store } from "../../store/index.ts";
import { createApiKey, createTestAccount, startGateways, type TestGateway } from "../support/gateways.ts";
import { postGraphQL } from "../support/startTestMasivo.ts";
import { waitFor } from "../support/streamReader.ts";
import { createTokenSigner } from "../support/userTokens.ts";

let a: TestGateway;
let b: TestGateway;
let store: Store;
let account: { account: string; adminKey: string; sdkKey: string };
beforeAll(async () => {
  [a, b] = (await startGateways(2)) as [TestGateway, TestGateway];
  store = await connectStore(a.mongodbUrl);
  account = await createTestAccount(a);
});
afterAll(async () => {
  await store?.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

const TRACK = { query: `mutation { trackEvents(events: [{ customerId: "c-1", name: "opened" }]) { accepted } }` };
const track = (gateway: TestGateway, key: string, headers: Record<string, string> = {}) =>
  postGraphQL(gateway.baseUrl, key, TRACK, headers);
const revoke = (gateway: TestGateway, id: string) =>
  postGraphQL(gateway.baseUrl, account.adminKey, {
    query: "mutation($id: ID!) { revokeApiKey(id: $id) }",
    variables: { id },
  });
/** A key of the right shape that was never created. */
const randomKey = () => `mv_sdk_${randomBytes(24).toString("base64url")}`;

describe("revoking a key", () => {
  it("is applied by every gateway within a second, though they cache keys", async () => {
    const cached = await createApiKey(a, account.adminKey, "SDK");
    const revoked = await createApiKey(a, account.adminKey, "SDK");
    for (const { key } of [cached, revoked]) expect((await track(b, key)).status).toBe(200);

    // A revocation nobody announces (written straight to the store) is not seen by b: it serves
    // keys from its cache, so what follows measures the announcement.
    await apiKeysRepository(store.db).revoke(account.account, cached.id);
    expect((await track(b, cached.key)).status).toBe(200);

    expect((await revoke(a, revoked.id)).body.data).toEqual({ revokeApiKey: true });
    const revokedAt = Date.now();
    const refusedAt = await waitFor(
      "gateway b to refuse the revoked key",
      async () => ((await track(b, revoked.key)).status === 401 ? Date.now() : undefined),
      1_000,
    );
    expect(refusedAt - revokedAt).toBeLessThan(1_000);
    expect((await track(a, revoked.key)).body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("unknown keys", () => {
  it("are refused again from the cache, which never delays a key created afterwards", async () => {
    const unknown = randomKey();
    for (let i = 0; i < 5; i++) expect((await track(b, unknown)).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await track(b, randomKey())).status).toBe(401);
    const created = await createApiKey(a, account.adminKey, "SDK");
    expect((await track(b, created.key)).body).toEqual({ data: { trackEvents: { accepted: 1 } } });
  });
});

describe("failed authentications", () => {
  let c: TestGateway;
  beforeAll(async () => {
    // User tokens are checked (and can fail) once the account has a key to check them with.
    const signer = await createTokenSigner("ES256");
    const configured = await postGraphQL(a.baseUrl, account.adminKey, {
      query: "mutation($input: SdkAuthenticationInput!) { configureSdkAuthentication(input: $input) { required } }",
      variables: { input: { required: false, publicKeys: [signer.publicKey] } },
    });
    expect(configured.body.data).toEqual({ configureSdkAuthentication: { required: false } });
    // A gateway of its own: the limit counts per process, and this test exhausts it for 127.0.0.1.
    [c] = (await startGateways(1, { MONGODB_URL: a.mongodbUrl })) as [TestGateway];
  });
  afterAll(() => c?.stop());

  it("are limited per client (bad keys, bad headers, bad user tokens): then keys this gateway does not know are answered 429 with Retry-After", async () => {
    expect((await track(c, account.sdkKey)).status).toBe(200);
    const notYetSeen = await createApiKey(a, account.adminKey, "SDK");
    const failures = [
      () => track(c, randomKey()),
      () => track(c, "not-a-key"),
      () => postGraphQL(c.baseUrl, undefined, TRACK, { authorization: "Basic dXNlcjpwYXNz" }),
      () => track(c, account.sdkKey, { "x-masivo-user": "not-a-token" }),
    ];
    for (let i = 0; i < AUTH_FAILURE_BURST; i++) {
      const failure = failures[i % failures.length];
      expect((await failure?.())?.status).toBe(401);
    }

    const limited = await fetch(`${c.baseUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${randomKey()}` },
      body: JSON.stringify(TRACK),
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ errors: [{ extensions: { code: "RATE_LIMITED" } }] });
    expect((await track(c, notYetSeen.key)).status).toBe(429);

    // The key the app's users share is known to this gateway: they are not locked out with the attacker.
    expect((await track(c, account.sdkKey)).body).toEqual({ data: { trackEvents: { accepted: 1 } } });
    const anonymous = await postGraphQL(c.baseUrl, undefined, { query: "{ viewer { role } }" });
    expect(anonymous.body).toEqual({ data: { viewer: null } });
  });
});
