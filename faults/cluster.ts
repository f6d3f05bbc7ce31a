import { randomBytes } from "node:crypto";
import { freePort, type ServerProcess, startMongoServer, startNatsServer, startServer } from "../stack/index.ts";
import { dataOf, type GraphQL, graphqlClient } from "./gateway.ts";
import { type Exit, type MasivoProcess, masivoProcess } from "./masivoProcess.ts";

/** The Masivo processes of the suite, split by role as a deployment would run them. */
export const PROCESS_ROLES = {
  gateway: "gateway",
  "customers-1": "customers",
  "customers-2": "customers",
  audiences: "audiences",
  destinations: "destinations",
} as const;
export type ProcessName = keyof typeof PROCESS_ROLES;

/** A local server the suite stops and starts again on the same port and data. */
export type RestartableServer = { stop: () => Promise<void>; start: () => Promise<void> };

export const BRAZE_KEY = "faults-braze-key";

export type Cluster = {
  dataDir: string;
  processes: Record<ProcessName, MasivoProcess>;
  nats: RestartableServer & { url: string };
  store: RestartableServer & { url: string };
  braze: { url: string };
  /** The suite's account, as its ADMIN. */
  gql: GraphQL;
  account: string;
  integrationId: string;
  drainSeconds: number;
  /** Exits nobody asked for, since the start. */
  unexpectedExits: { name: string; exit: Exit }[];
  stop: () => Promise<void>;
};

export type ClusterOptions = {
  dataDir: string;
  drainSeconds: number;
  brazeRetryMaxSeconds: number;
  log: (line: string) => void;
};

/**
 * Starts nats-server, the store (FerretDB, or mongod when on PATH), a fake Braze and Masivo split
 * into five processes (gateway, two `customers`, `audiences`, `destinations`), then creates the
 * suite's account and its Braze integration.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const { dataDir, log } = options;
  const started: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of started.reverse()) await stop().catch((error) => log(`stopping: ${String(error)}`));
  };
  try {
    const nats = await restartable(async (port) => startNatsServer({ dataDir, port, log }));
    started.push(nats.stop);
    const store = await restartable(async (port) => startMongoServer({ dataDir, port, log }));
    started.push(store.stop);
    const brazePort = await freePort();
    const braze = await startServer({
      name: "fake Braze",
      command: process.execPath,
      args: ["fakes/braze/main.ts", "--port", String(brazePort), "--keys", BRAZE_KEY],
      port: brazePort,
    });
    started.push(braze.stop);

    const rootKey = randomBytes(24).toString("hex");
    const gatewayPort = await freePort();
    const unexpectedExits: Cluster["unexpectedExits"] = [];
    const common = {
      NATS_URL: nats.url,
      MONGODB_URL: store.url,
      MASIVO_DATA_DIR: dataDir,
      MASIVO_ROOT_KEY: rootKey,
      MASIVO_MASTER_KEY: randomBytes(24).toString("hex"),
      MASIVO_ALLOW_LOCAL_DESTINATIONS: "1",
      MASIVO_DRAIN_SECONDS: String(options.drainSeconds),
      MASIVO_BRAZE_RETRY_MAX_SECONDS: String(options.brazeRetryMaxSeconds),
      MASIVO_LOG_LEVEL: "warn",
      PORT: String(gatewayPort),
    };
    const processes = {} as Record<ProcessName, MasivoProcess>;
    for (const [name, role] of Object.entries(PROCESS_ROLES) as [ProcessName, string][]) {
      processes[name] = masivoProcess({
        name,
        environment: { ...common, MASIVO_ROLES: role },
        opsPort: await freePort(),
        dataDir,
        onUnexpectedExit: (processName, exit) => {
          unexpectedExits.push({ name: processName, exit });
          log(`${processName} exited unexpectedly (code ${exit.code}, signal ${exit.signal})`);
        },
      });
    }
    // The gateway creates the streams; the others wait for them.
    for (const process of Object.values(processes)) {
      await process.start();
      started.push(async () => {
        if (process.running()) await process.signal("SIGTERM");
      });
    }
    log(`started nats-server, the store, the fake Braze and ${Object.keys(processes).length} Masivo processes`);

    const gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;
    const account = `faults${randomBytes(3).toString("hex")}`;
    const root = graphqlClient(gatewayUrl, rootKey);
    const created = dataOf(
      await root<{ createAccount: { key: string } }>("mutation($id:ID!){ createAccount(id:$id){ key } }", {
        id: account,
      }),
      "createAccount",
    );
    const gql = graphqlClient(gatewayUrl, created.createAccount.key);
    const integration = dataOf(
      await gql<{ configureBraze: { id: string } }>(
        "mutation($input:BrazeInput!){ configureBraze(input:$input){ id } }",
        { input: { restEndpoint: `http://127.0.0.1:${brazePort}`, apiKey: BRAZE_KEY, batchLimit: "PER_TYPE" } },
      ),
      "configureBraze",
    );
    return {
      dataDir,
      processes,
      nats,
      store,
      braze: { url: `http://127.0.0.1:${brazePort}` },
      gql,
      account,
      integrationId: integration.configureBraze.id,
      drainSeconds: options.drainSeconds,
      unexpectedExits,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A server started on a port of its own, which `start` starts again on that port and data. */
async function restartable(
  startOn: (port: number) => Promise<ServerProcess & { url: string }>,
): Promise<RestartableServer & { url: string }> {
  const port = await freePort();
  let server: ServerProcess | undefined = await startOn(port);
  const url = (server as ServerProcess & { url: string }).url;
  return {
    url,
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async start() {
      if (server) throw new Error(`${url} is already running`);
      server = await startOn(port);
    },
  };
}
