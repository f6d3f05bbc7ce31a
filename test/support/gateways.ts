import { postGraphQL, startTestMasivo } from "./startTestMasivo.ts";
import { isolatedMongoUrl, TEST_ROOT_KEY, uniqueId } from "./world.ts";

export type TestGateway = Awaited<ReturnType<typeof startTestMasivo>>;

/**
 * Gateway processes of one deployment: the same NATS and database, each with caches of its own,
 * as behind a load balancer.
 */
export async function startGateways(count: number, env: Record<string, string> = {}): Promise<TestGateway[]> {
  const shared = {
    MASIVO_ROLES: "gateway",
    MASIVO_ROOT_KEY: TEST_ROOT_KEY,
    MONGODB_URL: isolatedMongoUrl(uniqueId("db")),
    ...env,
  };
  return Promise.all(Array.from({ length: count }, () => startTestMasivo(shared)));
}

/** A new account, made through `gateway`, with its first ADMIN key and an SDK key. */
export async function createTestAccount(gateway: TestGateway) {
  const account = uniqueId("acct");
  const created = await postGraphQL(gateway.baseUrl, TEST_ROOT_KEY, {
    query: "mutation($id: ID!) { createAccount(id: $id) { key } }",
    variables: { id: account },
  });
  const adminKey = (created.body.data as { createAccount?: { key: string } } | undefined)?.createAccount?.key;
  if (!adminKey) throw new Error(`could not create an account: ${JSON.stringify(created.body.errors)}`);
  const sdk = await createApiKey(gateway, adminKey, "SDK");
  return { account, adminKey, sdkKey: sdk.key };
}

export async function createApiKey(gateway: TestGateway, adminKey: string, role: "ADMIN" | "SDK") {
  const created = await postGraphQL(gateway.baseUrl, adminKey, {
    query: "mutation($role: ApiKeyRole!) { createApiKey(role: $role) { id key } }",
    variables: { role },
  });
  const key = (created.body.data as { createApiKey?: { id: string; key: string } } | undefined)?.createApiKey;
  if (!key) throw new Error(`could not create a key: ${JSON.stringify(created.body.errors)}`);
  return key;
}
