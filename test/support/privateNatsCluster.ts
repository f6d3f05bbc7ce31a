import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { inject } from "vitest";
import { type NatsCluster, startNatsCluster } from "../../stack/index.ts";

export type PrivateNatsCluster = NatsCluster & { close: () => Promise<void> };

/** A 3-node JetStream cluster for one test file, in the run's directory of private servers. */
export async function startPrivateNatsCluster(): Promise<PrivateNatsCluster> {
  const dataDir = await mkdtemp(join(inject("privateServersDir"), "nats-cluster-"));
  const cluster = await startNatsCluster({ dataDir, size: 3, log: () => {} });
  return {
    ...cluster,
    close: async () => {
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
