import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { inject } from "vitest";
import { type MasivoProcess, masivoProcess } from "../../faults/masivoProcess.ts";
import { freePort } from "../../stack/index.ts";
import { TEST_MASTER_KEY } from "./world.ts";

/**
 * Masivo running `roles` in a process of its own (`node main.ts`), started and ready, against the
 * given servers: what a test kills or restarts while the rest of Masivo runs in the test's process.
 * An exit the test did not ask for fails it.
 */
export async function startRoleProcess(
  roles: string,
  servers: { natsUrl: string; mongodbUrl: string },
  environment: Record<string, string> = {},
): Promise<MasivoProcess> {
  const worker = masivoProcess({
    name: roles,
    environment: {
      MASIVO_ROLES: roles,
      NATS_URL: servers.natsUrl,
      MONGODB_URL: servers.mongodbUrl,
      MASIVO_MASTER_KEY: TEST_MASTER_KEY,
      MASIVO_LOG_LEVEL: "warn",
      ...environment,
    },
    opsPort: await freePort(),
    dataDir: await mkdtemp(join(inject("privateServersDir"), `${roles}-`)),
    onUnexpectedExit: (name, exit) => {
      throw new Error(`${name} exited unexpectedly: ${JSON.stringify(exit)}`);
    },
  });
  await worker.start();
  return worker;
}
