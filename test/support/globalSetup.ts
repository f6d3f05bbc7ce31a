import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { natsServerBinary, startLocalStack, startS3Server, stopOrphan } from "../../stack/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    natsUrl: string;
    mongodbUrl: string;
    /** An S3-compatible server (versitygw) and its root keys; a bucket is made by creating it. */
    s3Url: string;
    s3AccessKeyId: string;
    s3SecretAccessKey: string;
    /** Where test files' own nats-servers keep their data (and pid files). */
    privateServersDir: string;
  }
}

/** Starts nats-server, the MongoDB-compatible server and the S3 server once per run, in a temporary directory. */
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
  const s3 = await startS3Server({
    dataDir,
    log: (line) => console.log(`[stack] ${line}`),
    onCrash: (error) => console.error(`[stack] ${error.message}`),
  });
  project.provide("s3Url", s3.url);
  project.provide("s3AccessKeyId", s3.accessKeyId);
  project.provide("s3SecretAccessKey", s3.secretAccessKey);
  const privateServersDir = join(dataDir, "private");
  await mkdir(privateServersDir, { recursive: true });
  project.provide("privateServersDir", privateServersDir);
  return async () => {
    // A test file killed on a timeout cannot stop its own nats-server: stop what is left, by pid.
    const binary = await natsServerBinary(() => {});
    for (const dir of await readdir(privateServersDir)) {
      await stopOrphan(join(privateServersDir, dir, "nats-server.pid"), binary);
      // A cluster's nodes (stack/natsCluster.ts) keep their pid files one level down.
      for (const node of await readdir(join(privateServersDir, dir)).catch(() => [])) {
        await stopOrphan(join(privateServersDir, dir, node, "nats-server.pid"), binary);
      }
    }
    await s3.stop();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
