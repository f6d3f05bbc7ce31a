import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ensureGoBinary } from "./goBinary.ts";
import { freePort, type ServerCrashedError, type ServerProcess, startServer } from "./serverProcess.ts";

/** The versitygw release built for tests and local runs: a real S3 protocol server, multipart included. */
export const VERSITYGW_VERSION = "v1.7.0";

/** Builds (once) and returns the path of versitygw. */
export function s3ServerBinary(log: (line: string) => void): Promise<string> {
  return ensureGoBinary({
    label: `versitygw ${VERSITYGW_VERSION}`,
    binaryName: `versitygw-${VERSITYGW_VERSION}`,
    producedName: "versitygw",
    goArgs: ["install", `github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}`],
    env: { GOBIN: "{outDir}", GOFLAGS: "-buildvcs=false" },
    withoutGo:
      "A local S3-compatible server (versitygw) was asked for, but Go is not installed to build it. " +
      "Install Go ≥ 1.26 (https://go.dev/dl/) or point the S3 export at a bucket of your own.",
    log,
  });
}

export type StartS3 = {
  /** Buckets are directories of `<dataDir>/s3`; reusing it keeps their objects across restarts. */
  dataDir: string;
  port?: number;
  log: (line: string) => void;
  onCrash?: (error: ServerCrashedError) => void;
};

export type S3Server = ServerProcess & { url: string; accessKeyId: string; secretAccessKey: string };

/** Starts versitygw (posix backend) on a loopback port with fresh root keys. */
export async function startS3Server(options: StartS3): Promise<S3Server> {
  const binary = await s3ServerBinary(options.log);
  const bucketsDir = join(options.dataDir, "s3");
  await mkdir(bucketsDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const accessKeyId = `masivo${randomBytes(6).toString("hex")}`;
  const secretAccessKey = randomBytes(24).toString("base64url");
  const server = await startServer({
    name: "versitygw",
    command: binary,
    args: ["--port", `127.0.0.1:${port}`, "posix", bucketsDir],
    env: { ROOT_ACCESS_KEY: accessKeyId, ROOT_SECRET_KEY: secretAccessKey },
    port,
    pidFile: join(options.dataDir, "versitygw.pid"),
    logFile: join(options.dataDir, "versitygw.log"),
    onCrash: options.onCrash,
  });
  return { ...server, url: `http://127.0.0.1:${port}`, accessKeyId, secretAccessKey };
}
