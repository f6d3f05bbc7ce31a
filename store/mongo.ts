import { type Db, MongoClient } from "mongodb";
import { reconnectWhenMonitorHangs } from "./hungMonitor.ts";

export type Store = {
  client: MongoClient;
  db: Db;
  /** FerretDB answers MongoDB's protocol with fewer indexed query shapes; some writes adapt to it. */
  isFerretDB: boolean;
  close: () => Promise<void>;
};

export type StoreOptions = {
  /** A database other than the URL's path. */
  databaseName?: string;
  /** Told when the client was connected again over a hung monitor (hungMonitor.ts); `error` if that failed. */
  onReconnect?: (error?: unknown) => void;
};

/** How long the driver may take to open a connection; a monitor's check takes at most twice this. */
const CONNECT_TIMEOUT_MS = 5_000;
/** A heartbeat not ended after this has hung (hungMonitor.ts). */
const MONITOR_HUNG_AFTER_MS = 3 * CONNECT_TIMEOUT_MS;

/** Connects to MongoDB (or a compatible server); the database is the URL's path, `masivo` by default. */
export async function connectStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: 10_000,
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    appName: "masivo",
  });
  const stopWatching = reconnectWhenMonitorHangs(client, MONITOR_HUNG_AFTER_MS, options.onReconnect ?? (() => {}));
  try {
    await client.connect();
    const db = client.db(
      options.databaseName ?? (new URL(url.replace(/^mongodb(\+srv)?:/, "http:")).pathname.slice(1) || "masivo"),
    );
    const buildInfo = await db.admin().command({ buildInfo: 1 });
    const close = async () => {
      stopWatching();
      await client.close();
    };
    return { client, db, isFerretDB: "ferretdbVersion" in buildInfo, close };
  } catch (error) {
    stopWatching();
    await client.close().catch(() => undefined);
    throw error;
  }
}

/** True when the server answers a ping. */
export async function pingStore(store: Store): Promise<boolean> {
  try {
    await store.db.command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}
