import { expect } from "vitest";
import { createWorld, uniqueId, type World } from "./world.ts";

/**
 * For tests of an integration's configuration: two worlds on one database, `world` allowing local
 * destinations and `strict` not (MASIVO_ALLOW_LOCAL_DESTINATIONS), and an SDK key of the account.
 */
export async function startSettingsWorlds(): Promise<{ world: World; strict: World; sdkKey: string }> {
  const database = uniqueId("db");
  const [world, strict] = await Promise.all([
    createWorld({ database }),
    createWorld({ database, allowLocalDestinations: false }),
  ]);
  const created = await world.graphql<{ createApiKey: { key: string } }>(
    "mutation { createApiKey(role: SDK) { key } }",
  );
  const sdkKey = created.data?.createApiKey.key ?? expect.fail("no SDK key");
  return { world, strict, sdkKey };
}
