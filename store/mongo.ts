import { type Db, MongoClient } from "mongodb";

export type Store = {
  client: MongoClient;
  db: Db;
  /** FerretDB answers MongoDB's protocol with fewer indexed query shapes; some writes adapt to it. */
  isFerretDB: boolean;
  close: () => Promise<void>;
};

/** Connects to MongoDB (or a compatible server); the database is the URL's path, `masivo` by default. */
export async function connectStore(url: string, databaseName?: string): Promise<Store> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000, appName: "masivo" });
  await client.connect();
  const db = client.db(
    databaseName ?? (new URL(url.replace(/^mongodb(\+srv)?:/, "http:")).pathname.slice(1) || "masivo"),
  );
  const buildInfo = await db.admin().command({ buildInfo: 1 });
  return { client, db, isFerretDB: "ferretdbVersion" in buildInfo, close: () => client.close() };
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
