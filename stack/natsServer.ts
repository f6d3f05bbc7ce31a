import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ensureGoBinary } from "./goBinary.ts";
import { freePort, type ServerCrashedError, type ServerProcess, startServer } from "./serverProcess.ts";

/** The nats-server release built for local use; ≥ 2.12 is required for message schedules. */
export const NATS_SERVER_VERSION = "v2.15.2";

/** Builds (once) and returns the path of nats-server. */
export function natsServerBinary(log: (line: string) => void): Promise<string> {
  return ensureGoBinary({
    label: `nats-server ${NATS_SERVER_VERSION}`,
    binaryName: `nats-server-${NATS_SERVER_VERSION}`,
    producedName: "nats-server",
    goArgs: ["install", `github.com/nats-io/nats-server/v2@${NATS_SERVER_VERSION}`],
    env: { GOBIN: "{outDir}", GOFLAGS: "-buildvcs=false" },
    withoutGo:
      "NATS_URL is not set, so Masivo would start a local nats-server, but Go is not installed to build it. " +
      `Install Go ≥ 1.26 (https://go.dev/dl/) or set NATS_URL to a nats-server ≥ 2.12 with JetStream enabled.`,
    log,
  });
}

export type StartNats = {
  /** JetStream store; reusing it keeps streams across restarts. */
  dataDir: string;
  port?: number;
  log: (line: string) => void;
  onCrash?: (error: ServerCrashedError) => void;
};

/** Starts nats-server with JetStream on a loopback port. */
export async function startNatsServer(options: StartNats): Promise<ServerProcess & { url: string }> {
  const binary = await natsServerBinary(options.log);
  const storeDir = join(options.dataDir, "nats");
  await mkdir(storeDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const server = await startServer({
    name: "nats-server",
    command: binary,
    args: [
      "--addr",
      "127.0.0.1",
      "--port",
      String(port),
      "--jetstream",
      "--store_dir",
      storeDir,
      "--server_name",
      "masivo-local",
    ],
    port,
    pidFile: join(options.dataDir, "nats-server.pid"),
    onCrash: options.onCrash,
  });
  return { ...server, url: `nats://127.0.0.1:${port}` };
}
