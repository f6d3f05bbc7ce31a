import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { NATS_MAX_PAYLOAD, natsServerBinary } from "./natsServer.ts";
import { freePort, type ServerProcess, startServer } from "./serverProcess.ts";

/** One nats-server of a local cluster. */
export type NatsClusterNode = {
  /** Its server name, as stream info's `cluster.leader` and `replicas` report it. */
  name: string;
  url: string;
  pid: number;
  /** SIGTERM, then waits for the exit. */
  stop: () => Promise<void>;
  /** SIGKILL (a crash, nothing flushed), then waits for the exit. */
  kill: () => Promise<void>;
};

export type NatsCluster = {
  /** Every node's client URL, for a client that fails over between them. */
  urls: string[];
  nodes: NatsClusterNode[];
  /** Stops every node still running. */
  stop: () => Promise<void>;
};

export type StartNatsCluster = {
  /** Each node keeps its store, config and log in `<dataDir>/node-<i>`. */
  dataDir: string;
  /** Nodes with JetStream; 3 tolerates one lost node. */
  size: number;
  log: (line: string) => void;
  /** How long the cluster may take to elect its meta leader with every peer current. */
  readyTimeoutMs?: number;
};

/**
 * Starts a JetStream cluster of `size` nats-servers on loopback, routed to one another, with file
 * storage, and resolves once the cluster has a meta leader that sees every peer current (the
 * monitoring endpoint's `/jsz`, asked of every node): before that, streams with replicas cannot be
 * placed.
 */
export async function startNatsCluster(options: StartNatsCluster): Promise<NatsCluster> {
  const binary = await natsServerBinary(options.log);
  const ports = await Promise.all(
    Array.from({ length: options.size }, async () => ({
      client: await freePort(),
      route: await freePort(),
      monitor: await freePort(),
    })),
  );
  const routes = ports.map(({ route }) => `nats-route://127.0.0.1:${route}`);
  const started: { node: NatsClusterNode; monitor: number }[] = [];
  try {
    for (const [index, port] of ports.entries()) {
      const name = `masivo-node-${index}`;
      const dir = join(options.dataDir, `node-${index}`);
      const server = await startNode(binary, dir, name, port, routes);
      started.push({ node: nodeOf(name, server), monitor: port.monitor });
    }
    await waitForMetaLeader(
      started.map(({ node, monitor }) => ({ name: node.name, monitor })),
      options.readyTimeoutMs ?? 30_000,
    );
  } catch (error) {
    await Promise.all(started.map(({ node }) => node.stop()));
    throw error;
  }
  const nodes = started.map(({ node }) => node);
  return {
    urls: nodes.map((node) => node.url),
    nodes,
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}

type NodePorts = { client: number; route: number; monitor: number };

async function startNode(
  binary: string,
  dir: string,
  name: string,
  port: NodePorts,
  routes: string[],
): Promise<ServerProcess> {
  const storeDir = join(dir, "nats");
  await mkdir(storeDir, { recursive: true });
  const configFile = join(dir, "nats-server.conf");
  await writeFile(
    configFile,
    [
      "# Written by Masivo at every start (stack/natsCluster.ts).",
      `listen: "127.0.0.1:${port.client}"`,
      `http: "127.0.0.1:${port.monitor}"`,
      `server_name: ${JSON.stringify(name)}`,
      `max_payload: ${NATS_MAX_PAYLOAD}`,
      `jetstream { store_dir: ${JSON.stringify(storeDir)} }`,
      `cluster { name: "masivo-local", listen: "127.0.0.1:${port.route}", routes: ${JSON.stringify(routes)} }`,
      "",
    ].join("\n"),
  );
  return startServer({
    name,
    command: binary,
    args: ["--config", configFile],
    port: port.client,
    pidFile: join(dir, "nats-server.pid"),
    logFile: join(dir, "nats-server.log"),
  });
}

function nodeOf(name: string, server: ServerProcess): NatsClusterNode {
  return {
    name,
    url: `nats://127.0.0.1:${server.port}`,
    pid: server.pid,
    stop: server.stop,
    kill: async () => {
      if (isRunning(server.pid)) process.kill(server.pid, "SIGKILL");
      // Marks it stopped, so its exit is not reported as a crash.
      await server.stop();
    },
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What `/jsz` says of the meta group (nats-server's monitoring endpoint); only what we read. */
const metaClusterSchema = z.object({
  leader: z.string().optional(),
  cluster_size: z.number().optional(),
  replicas: z.array(z.object({ current: z.boolean().optional(), offline: z.boolean().optional() })).optional(),
});
type MetaCluster = z.infer<typeof metaClusterSchema>;

/**
 * Every node names the same leader and counts `size` peers, and the leader sees every other peer
 * current (a follower does not track the others, so only the leader's view says so).
 */
async function waitForMetaLeader(nodes: { name: string; monitor: number }[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const views = await Promise.all(
      nodes.map(async (node) => ({ name: node.name, meta: await metaCluster(node.monitor) })),
    );
    const leader = views[0]?.meta?.leader;
    const agreed = leader && views.every(({ meta }) => meta?.leader === leader && meta.cluster_size === nodes.length);
    const peers = views.find(({ name }) => name === leader)?.meta?.replicas ?? [];
    if (agreed && peers.length === nodes.length - 1 && peers.every((peer) => peer.current && !peer.offline)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `the NATS cluster had no meta leader with all ${nodes.length} peers current in time; last seen: ${JSON.stringify(views)}`,
      );
    }
    await sleep(100);
  }
}

async function metaCluster(monitorPort: number): Promise<MetaCluster | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${monitorPort}/jsz`);
    if (!response.ok) return undefined;
    return z.object({ meta_cluster: metaClusterSchema.optional() }).parse(await response.json()).meta_cluster;
  } catch {
    // Not listening yet, or not clustered yet: asked again until the deadline, which reports the last views.
    return undefined;
  }
}
