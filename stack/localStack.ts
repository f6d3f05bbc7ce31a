import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { type MongoServer, startMongoServer } from "./mongoServer.ts";
import { startNatsServer } from "./natsServer.ts";
import type { ServerCrashedError, ServerProcess } from "./serverProcess.ts";

/** The servers a process needs: given URLs are used as they are, missing ones are started locally. */
export type LocalStack = {
  natsUrl: string;
  mongodbUrl: string;
  /** Servers this stack started (none when both URLs were given). */
  servers: ServerProcess[];
  stop: () => Promise<void>;
};

export type StartStack = {
  natsUrl?: string | undefined;
  mongodbUrl?: string | undefined;
  dataDir: string;
  log: (line: string) => void;
  onCrash?: (error: ServerCrashedError) => void;
};

/** Starts whichever of nats-server and the MongoDB-compatible server is not configured. */
export async function startLocalStack(options: StartStack): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const servers: ServerProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    let natsUrl = options.natsUrl;
    if (!natsUrl) {
      const nats = await startNatsServer({ dataDir, log: options.log, onCrash: options.onCrash });
      servers.push(nats);
      natsUrl = nats.url;
      options.log(`started nats-server (pid ${nats.pid}) at ${nats.url}`);
    }
    let mongodbUrl = options.mongodbUrl;
    if (!mongodbUrl) {
      const mongo: MongoServer = await startMongoServer({ dataDir, log: options.log, onCrash: options.onCrash });
      servers.push(mongo);
      mongodbUrl = mongo.url;
      options.log(`started ${mongo.kind} (pid ${mongo.pid}) at ${mongo.url}`);
    }
    return { natsUrl, mongodbUrl, servers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
