import { mkdir, writeFile } from "node:fs/promises";
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

/**
 * The largest message (headers included) the local server takes: NATS's default, set explicitly.
 * Every Masivo process refuses a server below what its bounds need (streams/maxPayload.ts, 276 KiB).
 */
export const NATS_MAX_PAYLOAD = 1024 * 1024;

export type StartNats = {
  /** JetStream store; reusing it keeps streams across restarts. */
  dataDir: string;
  port?: number;
  /** Default NATS_MAX_PAYLOAD; tests give a smaller one to see it refused. */
  maxPayload?: number;
  log: (line: string) => void;
  onCrash?: (error: ServerCrashedError) => void;
};

/** Starts nats-server with JetStream on a loopback port, configured by a file it writes in `dataDir`. */
export async function startNatsServer(options: StartNats): Promise<ServerProcess & { url: string }> {
  const binary = await natsServerBinary(options.log);
  const storeDir = join(options.dataDir, "nats");
  await mkdir(storeDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const configFile = join(options.dataDir, "nats-server.conf");
  await writeFile(
    configFile,
    [
      "# Written by Masivo at every start (stack/natsServer.ts).",
      `listen: "127.0.0.1:${port}"`,
      'server_name: "masivo-local"',
      `max_payload: ${options.maxPayload ?? NATS_MAX_PAYLOAD}`,
      `jetstream { store_dir: ${JSON.stringify(storeDir)} }`,
      "",
    ].join("\n"),
  );
  const server = await startServer({
    name: "nats-server",
    command: binary,
    args: ["--config", configFile],
    port,
    pidFile: join(options.dataDir, "nats-server.pid"),
    logFile: join(options.dataDir, "nats-server.log"),
    onCrash: options.onCrash,
  });
  return { ...server, url: `nats://127.0.0.1:${port}` };
}
