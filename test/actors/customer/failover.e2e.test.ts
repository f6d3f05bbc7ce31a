import { type ChildProcess, spawn } from "node:child_process";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAudienceCatalogWriter } from "../../../actors/audience/index.ts";
import { LEASES_BUCKET } from "../../../actors/customer/partitionLeases.ts";
import { connectStore, type LiveCustomerDocument, type Store } from "../../../store/index.ts";
import {
  type CommandPublisher,
  connectNats,
  createCommandPublisher,
  decodeFact,
  ensureStreams,
  type NatsLink,
  STREAM_NAMES,
} from "../../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { readStream, waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, uniqueId } from "../../support/world.ts";

const PARTITIONS = 32;
const CUSTOMERS = 400;
const EVENTS = 20_000;

let nats: PrivateNats;
let mongodbUrl: string;
let link: NatsLink;
let store: Store;
let publisher: CommandPublisher;
const workers: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ["main.ts"], {
    env: {
      PATH: process.env.PATH,
      MASIVO_ROLES: "customers",
      MASIVO_OPS_PORT: "0",
      NATS_URL: nats.url,
      MONGODB_URL: mongodbUrl,
      MASIVO_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  workers.push(child);
  return child;
}

/** Partition → worker, from the lease bucket. */
async function owners(): Promise<Map<number, string>> {
  const result = new Map<number, string>();
  try {
    const kv = await new Kvm(link.nc).open(LEASES_BUCKET);
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const entry = await kv.get(`p.${partition}`);
      if (entry?.operation === "PUT") result.set(partition, entry.string());
    }
  } catch {
    // No worker has created the bucket yet.
  }
  return result;
}

/** How many `event.recorded` facts the workers have published for the account so far. */
async function appliedEvents(account: string): Promise<number> {
  const jsm = await jetstreamManager(link.nc);
  const info = await jsm.streams.info(STREAM_NAMES.changes, { subjects_filter: `chg.${account}.event` });
  return Object.values(info.state.subjects ?? {}).reduce((sum, count) => sum + count, 0);
}

beforeAll(async () => {
  nats = await startPrivateNats();
  mongodbUrl = isolatedMongoUrl(uniqueId("db"));
  link = await connectNats(nats.url, "failover-test");
  store = await connectStore(mongodbUrl);
  await ensureStreams(link.nc, PARTITIONS);
  publisher = createCommandPublisher({ link, partitions: PARTITIONS });
});
afterAll(async () => {
  for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill("SIGTERM");
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise((resolve) =>
          worker.exitCode !== null || worker.signalCode !== null ? resolve(null) : worker.once("exit", resolve),
        ),
    ),
  );
  await link?.close();
  await store?.close();
  await nats?.close();
});

describe("customer workers", () => {
  it("share the partitions and, when one is killed mid-load, apply every event and membership change exactly once", {
    timeout: 240_000,
  }, async () => {
    const account = uniqueId("fail");
    // Two rule audiences: every customer enters the first on its first event and the second on its
    // 25th (each gets 50), so each must show exactly one ENTERED per customer, kill or no kill.
    const audiences = {
      active: { event: "load", within: { days: 1 } },
      regular: { event: "load", within: { days: 1 }, count: { gte: 25 } },
    };
    const catalog = await openAudienceCatalogWriter(link.nc);
    for (const [name, rules] of Object.entries(audiences)) {
      const at = new Date();
      await catalog.publish({
        _id: `aud-${name}`,
        account,
        name,
        kind: "RULES",
        rules,
        ruleVersion: 1,
        size: 0,
        deleting: false,
        createdAt: at,
        updatedAt: at,
      });
    }

    const [victim] = [startWorker(), startWorker(), startWorker()];
    const fairShare = Math.ceil(PARTITIONS / 3);
    const balanced = await waitFor(
      "three workers to share all partitions fairly",
      async () => {
        const current = [...(await owners()).values()];
        const perWorker = [...new Set(current)].map((worker) => current.filter((owner) => owner === worker).length);
        return current.length === PARTITIONS && perWorker.length === 3 && Math.max(...perWorker) <= fairShare
          ? perWorker
          : undefined;
      },
      60_000,
    );
    expect(balanced.reduce((a, b) => a + b, 0)).toBe(PARTITIONS);

    const sent = new Map<string, number>();
    let killed = false;
    for (let start = 0; start < EVENTS; start += 500) {
      const drafts = Array.from({ length: 500 }, (_, i) => {
        const n = start + i;
        const customerId = `c-${n % CUSTOMERS}`;
        sent.set(customerId, (sent.get(customerId) ?? 0) + 1);
        return {
          type: "event.track" as const,
          id: { client: `e-${n}` },
          data: { name: "load", properties: { n } },
          metadata: { account, customerId },
        };
      });
      await publisher.publish(drafts);
      if (start === 7_000 && victim) {
        // Killed mid-load: once the workers are applying what was sent so far, with more to come.
        await waitFor("the workers to apply the first events", async () =>
          (await appliedEvents(account)) >= 2_000 ? true : undefined,
        );
        victim.kill("SIGKILL");
        killed = true;
      }
    }
    expect(killed).toBe(true);

    await waitFor(
      "the killed worker's partitions to move",
      async () => {
        const current = await owners();
        return current.size === PARTITIONS && new Set(current.values()).size === 2 ? true : undefined;
      },
      60_000,
    );

    const customers = store.db.collection<LiveCustomerDocument>("customers");
    const counts = await waitFor(
      "every event to be applied",
      async () => {
        const documents = await customers.find({ account }).toArray();
        const total = documents.reduce((sum, d) => sum + (d.stats.find((s) => s.name === "load")?.count ?? 0), 0);
        return total >= EVENTS ? documents : undefined;
      },
      120_000,
    );
    const applied = new Map(counts.map((d) => [d.customerId, d.stats.find((s) => s.name === "load")?.count ?? 0]));
    expect(applied).toEqual(sent);

    const facts = (await readStream(link, STREAM_NAMES.changes, `chg.${account}.event`)).map((m) => decodeFact(m.data));
    const loadIds = facts.flatMap((f) =>
      f.type === "event.recorded" && f.data.name === "load" ? [f.data.eventId] : [],
    );
    expect(loadIds).toHaveLength(EVENTS);
    expect(new Set(loadIds).size).toBe(EVENTS);
    const registrations = facts.filter((f) => f.type === "event.recorded" && f.data.name === "REGISTRATION");
    expect(registrations).toHaveLength(CUSTOMERS);

    for (const name of Object.keys(audiences)) {
      const changes = (await readStream(link, STREAM_NAMES.changes, `chg.${account}.membership.aud-${name}`)).map((m) =>
        decodeFact(m.data),
      );
      const entered = changes.flatMap((f) =>
        f.type === "membership.changed" && f.data.change === "ENTERED" ? [f.metadata.customerId] : [],
      );
      expect(changes).toHaveLength(CUSTOMERS);
      expect(new Set(entered)).toEqual(new Set(sent.keys()));
    }
    const members = counts.map((d) => (d.memberships ?? []).map((m) => m.audienceId).join(","));
    expect(new Set(members)).toEqual(new Set(["aud-active,aud-regular"]));
  });
});
