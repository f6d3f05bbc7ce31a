import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MEMBERSHIP_TRACKER } from "../../actors/audience/membershipTracker.ts";
import { connectNats, type NatsLink, STREAM_NAMES, subjects } from "../../streams/index.ts";
import { type CuttableProxy, startCuttableProxy } from "../support/cuttableProxy.ts";
import { type PrivateNats, startPrivateNats } from "../support/privateNats.ts";
import { startTestMasivo } from "../support/startTestMasivo.ts";
import { waitFor } from "../support/streamReader.ts";
import { isolatedMongoUrl, uniqueId } from "../support/world.ts";

type Running = Awaited<ReturnType<typeof startTestMasivo>>;
type Readiness = { status: string; checks: Record<string, boolean>; failing?: string[] };

let nats: PrivateNats;
let storeProxy: CuttableProxy;
let customers: Running;
let destinations: Running;
let audiences: Running;
let link: NatsLink;

/** The shared store, reached through a proxy this file can cut. */
function proxiedStoreUrl(proxy: CuttableProxy): string {
  const url = new URL(isolatedMongoUrl(uniqueId("db")));
  url.host = new URL(proxy.url).host;
  return url.toString();
}

beforeAll(async () => {
  nats = await startPrivateNats();
  const store = new URL(inject("mongodbUrl"));
  storeProxy = await startCuttableProxy({ host: store.hostname, port: Number(store.port) });
  const common = { NATS_URL: nats.url, MASIVO_OPS_PORT: "0", MASIVO_ROOT_KEY: "operations-test-root-key" };
  [customers, destinations, audiences] = await Promise.all([
    startTestMasivo({ ...common, MASIVO_ROLES: "customers", MONGODB_URL: proxiedStoreUrl(storeProxy) }),
    startTestMasivo({ ...common, MASIVO_ROLES: "destinations" }),
    startTestMasivo({ ...common, MASIVO_ROLES: "audiences" }),
  ]);
  link = await connectNats(nats.url, "operations-test");
});
afterAll(async () => {
  await Promise.all([customers?.stop(), destinations?.stop(), audiences?.stop()]);
  await link?.close();
  await storeProxy?.close();
  await nats?.close();
});

const ops = (running: Running, path: string) => fetch(`http://127.0.0.1:${running.opsPort}${path}`);

async function readiness(running: Running): Promise<{ status: number; body: Readiness }> {
  const response = await ops(running, "/readyz");
  return { status: response.status, body: (await response.json()) as Readiness };
}

/** `masivo_customer_consumer_lag` of each partition, from a /metrics text. */
function customerLags(text: string): Map<number, number> {
  const lines = text.matchAll(/^masivo_customer_consumer_lag\{partition="(\d+)"\} (\d+)$/gm);
  return new Map([...lines].map(([, partition, lag]) => [Number(partition), Number(lag)]));
}

describe("operations endpoints on workers that serve no GraphQL", () => {
  it.each([
    ["customers", () => customers, "customers.partitionLeases", "masivo_customer_partitions_owned"],
    ["destinations", () => destinations, "destinations.integrationSyncs", "masivo_destination_calls_total"],
    ["audiences", () => audiences, "audiences.consumers", "masivo_nodejs_eventloop_lag_seconds"],
  ])("a %s-only process answers /healthz, /readyz and /metrics", async (_role, running, roleCheck, roleMetric) => {
    expect(running().graphqlUrl).toBeUndefined();
    expect(running().opsPort).toBeGreaterThan(0);
    const health = await ops(running(), "/healthz");
    expect({ status: health.status, body: await health.json() }).toEqual({ status: 200, body: { status: "ok" } });
    expect(await readiness(running())).toEqual({
      status: 200,
      body: {
        status: "ready",
        checks: { accepting: true, nats: true, mongodb: true, streams: true, [roleCheck]: true },
      },
    });
    const metrics = await ops(running(), "/metrics");
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain(roleMetric);
    expect(text).toContain("masivo_process_cpu_seconds_total");
    expect((await ops(running(), "/graphql")).status).toBe(404);
  });

  it("counts the partitions the customers worker owns (the only one: all of them)", async () => {
    await waitFor("the worker to own every partition", async () => {
      const text = await (await ops(customers, "/metrics")).text();
      return /^masivo_customer_partitions_owned 32$/m.test(text) ? true : undefined;
    });
  });

  it("shows the consumer lag of every partition the customers worker holds: 0 once drained", async () => {
    const lags = await waitFor("a lag for each of the 32 partitions", async () => {
      const found = customerLags(await (await ops(customers, "/metrics")).text());
      return found.size === 32 ? found : undefined;
    });
    expect([...lags.values()].every((lag) => lag === 0)).toBe(true);
  });

  it("counts the customers worker's batches, commands and dead letters", async () => {
    await jetstream(link.nc).publish(subjects.ingest("default", 0), new TextEncoder().encode("not a command"));
    const figures = await waitFor("the batch to be counted", async () => {
      const text = await (await ops(customers, "/metrics")).text();
      const figure = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
      const seen = {
        batches: figure("masivo_customer_batch_duration_seconds_count"),
        commands: figure("masivo_customer_commands_applied_total"),
        deadLetters: figure("masivo_customer_dead_letters_total"),
      };
      return seen.deadLetters > 0 ? seen : undefined;
    });
    expect(figures).toEqual({ batches: 1, commands: 1, deadLetters: 1 });
  });

  it("turns an audiences process's /readyz 503 when a consumer it reads from is gone", async () => {
    await (await jetstreamManager(link.nc)).consumers.delete(STREAM_NAMES.changes, MEMBERSHIP_TRACKER);
    const answer = await readiness(audiences);
    expect(answer).toMatchObject({ status: 503, body: { failing: ["audiences.consumers"] } });
  });

  it("turns /readyz 503 naming the store while it is unreachable (a command it cannot finish meanwhile counted as lag), and 200 once it is back", async () => {
    // Cut at the next bytes sent to the store: the readiness ping's, or the driver's heartbeat.
    const cut = storeProxy.cutAfter(0);
    const down = await waitFor("/readyz to answer 503", async () => {
      const answer = await readiness(customers);
      return answer.status === 503 ? answer.body : undefined;
    });
    expect(down).toMatchObject({ status: "unavailable", checks: { mongodb: false }, failing: ["mongodb"] });
    expect((await ops(customers, "/healthz")).status).toBe(200);
    await cut;
    // Its dead letter cannot be written meanwhile: the command waits, counted as lag.
    await jetstream(link.nc).publish(subjects.ingest("default", 1), new TextEncoder().encode("not a command"));
    const lagOfPartition1 = async () => customerLags(await (await ops(customers, "/metrics")).text()).get(1);
    await waitFor("partition 1's command counted as lag", async () =>
      (await lagOfPartition1()) === 1 ? true : undefined,
    );

    storeProxy.heal();
    const up = await waitFor("/readyz to answer 200 again", async () => {
      const answer = await readiness(customers);
      return answer.status === 200 ? answer.body : undefined;
    });
    expect(up.checks.mongodb).toBe(true);
    await waitFor("partition 1 drained", async () => ((await lagOfPartition1()) === 0 ? true : undefined));
  });
});
