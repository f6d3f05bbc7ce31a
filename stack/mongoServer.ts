import { execFileSync } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureGoBinary, hashFiles } from "./goBinary.ts";
import { freePort, type ServerCrashedError, type ServerProcess, startServer } from "./serverProcess.ts";

/** FerretDB v1 (SQLite) release embedded by stack/ferretdb; see README for why not v1.24.1. */
export const FERRETDB_VERSION = "v1.24.0";

/** Connections each client process may open to the local FerretDB (see startMongoServer). */
export const FERRETDB_CLIENT_POOL = 8;

const ferretdbModule = join(dirname(fileURLToPath(import.meta.url)), "ferretdb");

/** Builds (once per source change) the project's embedded FerretDB program. */
export async function ferretdbBinary(log: (line: string) => void): Promise<string> {
  const sources = ["go.mod", "go.sum", "main.go", "idindex.go", "serialwrites.go"];
  const hash = await hashFiles(sources.map((file) => join(ferretdbModule, file)));
  return ensureGoBinary({
    label: `FerretDB ${FERRETDB_VERSION}`,
    binaryName: `masivo-ferretdb-${FERRETDB_VERSION}-${hash}`,
    goArgs: ["build", "-buildvcs=false", "-o", "{out}", "."],
    cwd: ferretdbModule,
    withoutGo:
      "MONGODB_URL is not set and no mongod is on PATH, so Masivo would start FerretDB, but Go is not installed to build it. " +
      "Install Go ≥ 1.26 (https://go.dev/dl/), put mongod on PATH, or set MONGODB_URL to a MongoDB server.",
    log,
  });
}

export type StartMongo = {
  dataDir: string;
  port?: number;
  log: (line: string) => void;
  onCrash?: (error: ServerCrashedError) => void;
};

export type MongoServer = ServerProcess & { url: string; kind: "mongod" | "ferretdb" };

/** Starts a MongoDB-compatible server on loopback: `mongod` from PATH when there is one, else FerretDB. */
export async function startMongoServer(options: StartMongo): Promise<MongoServer> {
  const port = options.port ?? (await freePort());
  const mongod = findOnPath("mongod");
  if (mongod) {
    const dbPath = join(options.dataDir, "mongod");
    await mkdir(dbPath, { recursive: true });
    const server = await startServer({
      name: "mongod",
      command: mongod,
      args: ["--dbpath", dbPath, "--bind_ip", "127.0.0.1", "--port", String(port), "--quiet"],
      port,
      pidFile: join(options.dataDir, "mongod.pid"),
      logFile: join(options.dataDir, "mongod.log"),
      onCrash: options.onCrash,
    });
    return { ...server, kind: "mongod", url: `mongodb://127.0.0.1:${port}/?directConnection=true` };
  }
  const binary = await ferretdbBinary(options.log);
  const server = await startServer({
    name: "ferretdb",
    command: binary,
    args: ["-listen", `127.0.0.1:${port}`, "-dir", join(options.dataDir, "ferretdb")],
    port,
    pidFile: join(options.dataDir, "ferretdb.pid"),
    logFile: join(options.dataDir, "ferretdb.log"),
    onCrash: options.onCrash,
  });
  // FerretDB v1 keeps a SQLite connection per statement of an update command until the command
  // ends, and the write needs one more, all from one pool of 100: enough concurrent updates
  // deadlock it. A small client pool (with small commands, see store/customers.ts) keeps every
  // process, and tests run several, well under that.
  const url = `mongodb://127.0.0.1:${port}/?directConnection=true&retryWrites=false&maxPoolSize=${FERRETDB_CLIENT_POOL}`;
  return { ...server, kind: "ferretdb", url };
}

function findOnPath(command: string): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}
