import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import { Kvm } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEASES_BUCKET } from "../../actors/customer/partitionLeases.ts";
import { connectNats, type NatsLink } from "../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../support/privateNats.ts";
import { waitFor } from "../support/streamReader.ts";
import { isolatedMongoUrl, uniqueId } from "../support/world.ts";

const DRAIN_SECONDS = 6;

let nats: PrivateNats;
let link: NatsLink;
let child: ChildProcess;
let printed = "";

/** A URL `npm start` printed, on the line starting with `label`. */
const printedUrl = (label: string) =>
  waitFor(`the ${label} URL`, async () => new RegExp(`${label}:\\s+(http://\\S+)`).exec(printed)?.[1]);

beforeAll(async () => {
  nats = await startPrivateNats();
  link = await connectNats(nats.url, "drain-test");
  child = spawn(process.execPath, ["main.ts"], {
    env: {
      PATH: process.env.PATH,
      MASIVO_ROLES: "gateway,customers",
      PORT: "0",
      MASIVO_OPS_PORT: "0",
      MASIVO_DRAIN_SECONDS: String(DRAIN_SECONDS),
      MASIVO_ROOT_KEY: "drain-test-root-key",
      NATS_URL: nats.url,
      MONGODB_URL: isolatedMongoUrl(uniqueId("db")),
      MASIVO_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    printed += chunk.toString();
  });
});
afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await link?.close();
  await nats?.close();
});

/** Lease bucket keys still present: partitions (`p.*`) and live workers (`w.*`). */
async function leaseKeys(): Promise<string[]> {
  const kv = await new Kvm(link.nc).open(LEASES_BUCKET);
  const keys: string[] = [];
  for await (const key of await kv.keys()) keys.push(key);
  return keys;
}

const BODY = JSON.stringify({ query: "{ __typename }" });

/** A request the gateway is still reading: its body is sent in two parts, the second by `finish`. */
function requestInFlight(graphqlUrl: string) {
  const sending = request(graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(BODY)) },
  });
  const answered = new Promise<number | "cut">((resolve) => {
    sending.on("error", () => resolve("cut"));
    sending.on("response", (response) => {
      response.resume();
      resolve(response.statusCode ?? "cut");
    });
  });
  const connected = new Promise<void>((resolve) => {
    sending.once("socket", (socket) => socket.once("connect", () => sending.write(BODY.slice(0, 5), () => resolve())));
  });
  return { connected, answered, finish: () => sending.end(BODY.slice(5)) };
}

describe("SIGTERM", () => {
  it("stops taking work, answers the request in flight, hands its partitions back and exits 0 in time", async () => {
    const readyz = await printedUrl("Health");
    const graphqlUrl = await printedUrl("GraphQL");
    await waitFor("the process to be ready", async () => ((await fetch(readyz)).status === 200 ? true : undefined));
    await waitFor("the worker to hold partitions", async () =>
      (await leaseKeys()).some((key) => key.startsWith("p.")) ? true : undefined,
    );
    const inFlight = requestInFlight(graphqlUrl);
    await inFlight.connected;
    // Answered after the gateway accepted every connection made before it (accepts are taken in order).
    expect((await fetch(graphqlUrl.replace(/\/graphql$/, "/healthz"))).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

    child.kill("SIGTERM");
    // While the gateway waits for the request in flight, the operations port says it takes no work.
    const draining = await waitFor("/readyz to answer 503", async () => {
      const answer = await fetch(readyz);
      return answer.status === 503 ? ((await answer.json()) as { failing: string[] }) : undefined;
    });
    expect(draining.failing).toContain("accepting");
    inFlight.finish();
    expect(await inFlight.answered).toBe(200);

    expect(await exited).toBe(0);
    // Handed back at once, not left to expire: another worker can claim the partitions now.
    expect(await leaseKeys()).toEqual([]);
  });
});
