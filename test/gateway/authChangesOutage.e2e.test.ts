import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startNatsServer } from "../../stack/index.ts";
import { createApiKey, createTestAccount, startGateways, type TestGateway } from "../support/gateways.ts";
import { type PrivateNats, startPrivateNats } from "../support/privateNats.ts";
import { postGraphQL } from "../support/startTestMasivo.ts";
import { waitFor } from "../support/streamReader.ts";

// A nats-server of this file's own, so stopping it disturbs no other test.
let first: PrivateNats;
let nats: ServerProcess & { url: string };
let a: TestGateway;
let b: TestGateway;
let account: { account: string; adminKey: string; sdkKey: string };
beforeAll(async () => {
  first = await startPrivateNats();
  nats = first;
  [a, b] = (await startGateways(2, { NATS_URL: nats.url })) as [TestGateway, TestGateway];
  account = await createTestAccount(a);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await nats?.stop();
  await first?.close();
});

const VIEWER = { query: "{ viewer { account } }" };
const accepted = async (gateway: TestGateway, key: string) =>
  ((await postGraphQL(gateway.baseUrl, key, VIEWER)).body.data as { viewer: unknown }).viewer !== null;
const revoke = (id: string) =>
  postGraphQL(a.baseUrl, account.adminKey, {
    query: "mutation($id: ID!) { revokeApiKey(id: $id) }",
    variables: { id },
  });
const natsReady = async (gateway: TestGateway) =>
  ((await (await fetch(`${gateway.baseUrl}/readyz`)).json()) as { checks: { nats: boolean } }).checks.nats;

describe("while a gateway cannot hear announcements", () => {
  it("reads every key from the store, so a revocation made meanwhile is applied at once; after NATS returns, announcements work again", async () => {
    const key = await createApiKey(a, account.adminKey, "SDK");
    expect(await accepted(b, key.key)).toBe(true);

    const port = nats.port;
    await nats.stop();
    for (const gateway of [a, b]) {
      await waitFor("the gateway to notice NATS is gone", async () => ((await natsReady(gateway)) ? undefined : true));
    }
    // The store takes the revocation; its announcement cannot go out.
    expect((await revoke(key.id)).body.data).toEqual({ revokeApiKey: true });
    expect(await accepted(b, key.key)).toBe(false);

    nats = await startNatsServer({ dataDir: first.dataDir, port, log: () => {} });
    for (const gateway of [a, b]) {
      await waitFor("the gateway to reconnect", async () => ((await natsReady(gateway)) ? true : undefined));
    }
    const later = await createApiKey(a, account.adminKey, "SDK");
    expect(await accepted(b, later.key)).toBe(true);
    expect((await revoke(later.id)).body.data).toEqual({ revokeApiKey: true });
    const revokedAt = Date.now();
    await waitFor(
      "gateway b to refuse the key revoked after the reconnect",
      async () => ((await accepted(b, later.key)) ? undefined : true),
      1_000,
    );
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
  });
});
