import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { inject } from "vitest";
import { type ServerProcess, startNatsServer } from "../../stack/index.ts";

export type PrivateNats = ServerProcess & { url: string; dataDir: string; close: () => Promise<void> };

/**
 * A nats-server for one test file: customer workers claim every partition of the server they
 * run against, so files that run workers must not share one.
 */
export async function startPrivateNats(options: { maxPayload?: number } = {}): Promise<PrivateNats> {
  const dataDir = await mkdtemp(join(inject("privateServersDir"), "nats-"));
  const server = await startNatsServer({ dataDir, log: () => {}, ...options });
  return {
    ...server,
    dataDir,
    close: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
