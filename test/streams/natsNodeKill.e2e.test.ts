import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMasivo } from "../../app/startMasivo.ts";
import { connectNats, type NatsLink, STREAM_NAMES } from "../../streams/index.ts";
import { type PrivateNatsCluster, startPrivateNatsCluster } from "../support/privateNatsCluster.ts";
import { postGraphQL, startTestMasivo } from "../support/startTestMasivo.ts";
import { waitFor } from "../support/streamReader.ts";

// A cluster of this file's own: one of its nodes is killed.
let cluster: PrivateNatsCluster;
let masivo: RunningMasivo & { baseUrl: string };
let link: NatsLink;
let key: string;

beforeAll(async () => {
  cluster = await startPrivateNatsCluster();
  masivo = await startTestMasivo({
    NATS_URL: cluster.urls.join(","),
    MASIVO_ROLES: "gateway,customers",
    MASIVO_STREAM_REPLICAS: "3",
    MASIVO_PARTITIONS: "4",
  });
  key = masivo.bootstrapKey ?? "";
  link = await connectNats(cluster.urls.join(","), "kill-test");
});
afterAll(async () => {
  await link?.close();
  await masivo?.stop();
  await cluster?.close();
});

const CUSTOMERS = 12;
const CLIENTS = 12;
const EVENTS_PER_REQUEST = 4;
/** Ingestion goes on after the kill: this many more requests must be acknowledged. */
const ACKNOWLEDGED_AFTER_KILL = 240;
/** A bound on the load, so that a cluster that stops acknowledging fails the test instead of hanging it. */
const MAX_REQUESTS_PER_CLIENT = 200;

/**
 * Sends one request's events until they are acknowledged, as a client would: the same request
 * (the same event ids, the idempotency keys) again after `UNAVAILABLE`. Any other answer fails.
 */
async function trackUntilAcknowledged(events: { id: string; customerId: string }[]): Promise<number> {
  let refusals = 0;
  for (;;) {
    const { body } = await postGraphQL(masivo.baseUrl, key, {
      query: "mutation($e: [EventInput!]!) { trackEvents(events: $e) { accepted ids } }",
      variables: { e: events.map((event) => ({ ...event, name: "counted" })) },
    });
    if (body.errors === undefined) {
      expect(body.data).toEqual({ trackEvents: { accepted: events.length, ids: events.map(({ id }) => id) } });
      return refusals;
    }
    expect(body.errors[0]?.extensions?.code, JSON.stringify(body.errors)).toBe("UNAVAILABLE");
    refusals += 1;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** How many `counted` events the store says each customer has had. */
async function countedInStore(customerId: string): Promise<number> {
  const { body } = await postGraphQL(masivo.baseUrl, key, {
    query: "query($id: ID!) { customer(customerId: $id) { stats { name count } } }",
    variables: { id: customerId },
  });
  const data = body.data as { customer: { stats: { name: string; count: number }[] } | null };
  return data.customer?.stats.find((stat) => stat.name === "counted")?.count ?? 0;
}

/** Each customer's count in the store, once every one has reached what was acknowledged or `timeoutMs` passed. */
async function countsOnceAllApplied(
  customers: string[],
  acknowledged: Map<string, number>,
  timeoutMs: number,
): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = Object.fromEntries(await Promise.all(customers.map(async (id) => [id, await countedInStore(id)])));
    const applied = customers.every((id) => (counts[id] ?? 0) >= (acknowledged.get(id) ?? 0));
    if (applied || Date.now() > deadline) return counts;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("a NATS node killed under ingestion load, on streams with 3 replicas", () => {
  it("goes on accepting, and applies every acknowledged event exactly once", async () => {
    const jsm = await jetstreamManager(link.nc);
    const ingest = await jsm.streams.info(STREAM_NAMES.ingest);
    expect(ingest.config.num_replicas).toBe(3);
    const leader = cluster.nodes.find((node) => node.name === ingest.cluster?.leader);
    if (!leader) throw new Error(`INGEST's leader ${ingest.cluster?.leader} is none of the cluster's nodes`);

    const acknowledged = new Map<string, number>();
    let refusals = 0;
    let acknowledgedAfterKill = 0;
    let killedAt: number | undefined;
    let sent = 0;
    // The clients go on until ACKNOWLEDGED_AFTER_KILL requests were acknowledged after the kill.
    const client = async (clientIndex: number) => {
      for (let request = 0; request < MAX_REQUESTS_PER_CLIENT; request++) {
        if (acknowledgedAfterKill >= ACKNOWLEDGED_AFTER_KILL) return;
        const events = Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => ({
          id: `e-${clientIndex}-${request}-${i}`,
          customerId: `c-${(clientIndex + request + i) % CUSTOMERS}`,
        }));
        sent += 1;
        refusals += await trackUntilAcknowledged(events);
        if (killedAt !== undefined) acknowledgedAfterKill += 1;
        for (const { customerId } of events) acknowledged.set(customerId, (acknowledged.get(customerId) ?? 0) + 1);
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    await waitFor("some requests acknowledged before the kill", async () => (sent > 50 ? true : undefined));
    await leader.kill();
    killedAt = Date.now();
    await load;

    expect(acknowledgedAfterKill).toBeGreaterThanOrEqual(ACKNOWLEDGED_AFTER_KILL);
    const after = await jsm.streams.info(STREAM_NAMES.ingest);
    expect(after.cluster?.leader).toBeDefined();
    expect(after.cluster?.leader).not.toBe(leader.name);
    const customers = [...acknowledged.keys()].sort();
    expect(customers).toHaveLength(CUSTOMERS);
    const counted = await countsOnceAllApplied(customers, acknowledged, 40_000);
    console.log(
      `killed INGEST's leader ${leader.name} (pid ${leader.pid}); ${sent} requests, ${refusals} refused as UNAVAILABLE ` +
        `and retried, ${acknowledgedAfterKill} acknowledged after the kill; all applied ${Date.now() - killedAt} ms after it`,
    );
    expect(counted).toEqual(Object.fromEntries(customers.map((id) => [id, acknowledged.get(id)])));
    // Late duplicates would show here: nothing more arrives once all is applied.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await Promise.all(customers.map(countedInStore))).toEqual(customers.map((id) => acknowledged.get(id)));
  }, 60_000);
});
