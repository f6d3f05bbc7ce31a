import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalStack } from "../../stack/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    natsUrl: string;
    mongodbUrl: string;
  }
}

/** Starts nats-server and the MongoDB-compatible server once per run, in a temporary directory. */
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(join(tmpdir(), "masivo-test-"));
  const stack = await startLocalStack({
    natsUrl: process.env.TEST_NATS_URL,
    mongodbUrl: process.env.TEST_MONGODB_URL,
    dataDir,
    log: (line) => console.log(`[stack] ${line}`),
    onCrash: (error) => console.error(`[stack] ${error.message}`),
  });
  project.provide("natsUrl", stack.natsUrl);
  project.provide("mongodbUrl", stack.mongodbUrl);
  return async () => {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
