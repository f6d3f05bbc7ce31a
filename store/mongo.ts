import { type Db, MongoClient } from "mongodb";

export type Store = { client: MongoClient; db: Db; close: () => Promise<void> };

/** Connects to MongoDB (or a compatible server); the database is the URL's path, `masivo` by default. */
export async function connectStore(url: string, databaseName?: string): Promise<Store> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000, appName: "masivo" });
  await client.connect();
  const db = client.db(
    databaseName ?? (new URL(url.replace(/^mongodb(\+srv)?:/, "http:")).pathname.slice(1) || "masivo"),
  );
  return { client, db, close: () => client.close() };
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
