import type { SecretBox, Store } from "../../../../store/index.ts";

/**
 * Stores an enabled, HEALTHY echo integration of `account`, configured a second ago, as its
 * configuration would write it (no mutation exists for its kind). Returns its id.
 */
export async function insertEchoIntegration(store: Store, secrets: SecretBox, account: string, token: string) {
  const integrationId = `echo_${account}`;
  const now = new Date();
  await store.db.collection<{ _id: string } & Record<string, unknown>>("integrations").insertOne({
    _id: integrationId,
    account,
    kind: "echo",
    settings: { enabled: true, channel: `channel-${account}` },
    secret: secrets.seal(token),
    status: "HEALTHY",
    configVersion: 1,
    createdAt: new Date(now.getTime() - 1_000),
    updatedAt: now,
  });
  return integrationId;
}
