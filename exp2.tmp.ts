import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { startMongoServer } from "./stack/index.ts";
const extra = JSON.parse(process.argv[2] ?? "{}");
const dataDir = await mkdtemp(join(tmpdir(), "exp-"));
let server = await startMongoServer({ dataDir, log: () => {} });
const port = server.port;
const c = new MongoClient(server.url, { serverSelectionTimeoutMS: 10_000, appName: "x", ...extra });
await c.connect();
let hb = 0;
c.on("serverHeartbeatStarted", () => hb++);
const col = c.db("x").collection("y");
await col.insertOne({ _id: 0 as never, n: 0 });
let running = true, ok = 0, fail = 0;
const loops = Array.from({ length: 16 }, async (_, i) => {
  while (running) {
    try { await col.findOne({ _id: i as never }); await col.bulkWrite([{ updateOne: { filter: { _id: i as never }, update: { $inc: { n: 1 } }, upsert: true } }]); ok++; }
    catch { fail++; await new Promise((r) => setTimeout(r, 1000)); }
  }
});
await new Promise((r) => setTimeout(r, 3000));
await server.stop();
console.log("stopped; ok", ok);
await new Promise((r) => setTimeout(r, Number(process.argv[3] ?? 60000)));
server = await startMongoServer({ dataDir, port, log: () => {} });
const okAt = ok; const t = Date.now();
for (let i = 0; i < 60 && ok === okAt; i++) await new Promise((r) => setTimeout(r, 1000));
console.log(JSON.stringify(extra), ok > okAt ? `recovered after ${Date.now() - t} ms` : "STUCK 60 s", "heartbeats", hb, "fail", fail);
running = false; await Promise.allSettled(loops); await c.close(); await server.stop();
process.exit(0);
