import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { natsServerBinary, startLocalStack, stopOrphan } from "../../stack/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    natsUrl: string;
    mongodbUrl: string;
    /** Where test files' own nats-servers keep their data (and pid files). */
    privateServersDir: string;
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
  const privateServersDir = join(dataDir, "private");
  await mkdir(privateServersDir, { recursive: true });
  project.provide("privateServersDir", privateServersDir);
  return async () => {
    // A test file killed on a timeout cannot stop its own nats-server: stop what is left, by pid.
    const binary = await natsServerBinary(() => {});
    for (const dir of await readdir(privateServersDir)) {
      await stopOrphan(join(privateServersDir, dir, "nats-server.pid"), binary);
    }
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
