import { type AddressInfo, createServer } from "node:net";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer } from "../../stack/index.ts";
import {
  connectNats,
  type NatsLink,
  openRawPull,
  type PulledMessage,
  PullInterruptedError,
  type RawPull,
} from "../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../support/privateNats.ts";
import { waitFor } from "../support/streamReader.ts";

const STREAM = "PULLS";
let nats: PrivateNats;
let link: NatsLink;

beforeAll(async () => {
  nats = await startPrivateNats();
  link = await connectNats(nats.url, "raw-pull-test");
  await (await jetstreamManager(link.nc)).streams.add({ name: STREAM, subjects: ["pl.>"] });
});
afterAll(async () => {
  await link?.close();
  await nats?.close();
});

let consumers = 0;
/** A durable consumer of the messages published on `pl.<topic>.>` from now on, acked as the integration consumer does. */
async function consumerFor(topic: string): Promise<string> {
  const name = `c${++consumers}`;
  await (await jetstreamManager(link.nc)).consumers.add(STREAM, {
    durable_name: name,
    filter_subject: `pl.${topic}.>`,
    ack_policy: AckPolicy.All,
    deliver_policy: DeliverPolicy.All,
  });
  return name;
}

async function publish(topic: string, count: number, size = 10): Promise<void> {
  const js = jetstream(link.nc);
  for (let i = 0; i < count; i += 1)
    await js.publish(`pl.${topic}.${i % 2 ? "odd" : "even"}`, `${i}`.padEnd(size, "."));
}

const read = (messages: PulledMessage[]) =>
  messages.map(({ subject, data }) => [subject, Buffer.from(data).toString().replace(/\.+$/, "")]);

/**
 * The test's link, telling what it is given instead of what it knows: its configured servers, its
 * server's INFO, the server it is connected to.
 */
function linkTelling(told: { url?: string; info?: unknown; server?: string }): NatsLink {
  const nc = new Proxy(link.nc, {
    get: (target, key) => {
      if (key === "info" && "info" in told) return told.info;
      if (key === "getServer" && told.server !== undefined) return () => told.server;
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { ...link, nc, url: told.url ?? link.url };
}

let topics = 0;
/** A consumer of `count` messages published on a topic of their own, and a pull of it through `through`. */
async function pullOfNew(count: number, through: NatsLink = link): Promise<RawPull> {
  const topic = `fresh${++topics}`;
  const consumer = await consumerFor(topic);
  await publish(topic, count);
  return openRawPull(through, STREAM, consumer);
}

/** Fetches `count` messages, and tells how many messages the test link's connection received meanwhile. */
async function fetchedCountingLink(pull: RawPull, count: number): Promise<number> {
  const before = link.nc.stats().inMsgs;
  expect(await pull.fetch(count, 1_000)).toHaveLength(count);
  return link.nc.stats().inMsgs - before;
}

async function pending(consumer: string): Promise<number> {
  const info = await (await jetstreamManager(link.nc)).consumers.info(STREAM, consumer);
  return info.num_ack_pending + info.num_pending;
}

describe.each([
  ["a connection of its own", true],
  ["the link's connection", false],
])("openRawPull, deliveries on %s", (_, ownConnection) => {
  it("given 25 messages, fetches them in stream order, ending a request when it expires short of its batch", async () => {
    const consumer = await consumerFor(`order${ownConnection}`);
    await publish(`order${ownConnection}`, 25);
    const pull = openRawPull(link, STREAM, consumer, { ownConnection });
    try {
      const first = await pull.fetch(10, 1_000);
      const rest = await pull.fetch(100, 200);

      expect(read(first)).toEqual(
        Array.from({ length: 10 }, (_, i) => [`pl.order${ownConnection}.${i % 2 ? "odd" : "even"}`, `${i}`]),
      );
      expect(read(rest).map(([, data]) => data)).toEqual(Array.from({ length: 15 }, (_, i) => `${i + 10}`));
      const seqs = [...first, ...rest].map((message) => message.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(25);
    } finally {
      pull.close();
    }
  });

  it("given a request bounded in bytes, ends it before the message that would pass them", async () => {
    const consumer = await consumerFor(`bytes${ownConnection}`);
    await publish(`bytes${ownConnection}`, 10, 1_000);
    const pull = openRawPull(link, STREAM, consumer, { ownConnection });
    try {
      const bounded = await pull.fetch(10, 5_000, 3_500);

      expect(bounded.length).toBeGreaterThan(0);
      expect(bounded.length).toBeLessThan(10);
      expect(read(bounded).map(([, data]) => data)).toEqual(Array.from({ length: bounded.length }, (_, i) => `${i}`));
    } finally {
      pull.close();
    }
  });

  it("acks a message and everything before it, confirmed by the server", async () => {
    const consumer = await consumerFor(`ack${ownConnection}`);
    await publish(`ack${ownConnection}`, 6);
    const pull = openRawPull(link, STREAM, consumer, { ownConnection });
    try {
      const messages = await pull.fetch(6, 1_000);
      expect(await pending(consumer)).toBe(6);

      await pull.ack(messages[3] as PulledMessage, 5_000);

      expect(await pending(consumer)).toBe(2);
    } finally {
      pull.close();
    }
  });

  it("given a consumer that does not exist, rejects the fetch naming it", async () => {
    const pull = openRawPull(link, STREAM, "nobody", { ownConnection });
    try {
      await expect(pull.fetch(5, 1_000)).rejects.toThrow(/PULLS > nobody: 503/);
    } finally {
      pull.close();
    }
  });
});

describe("openRawPull, which connection", () => {
  it("given a link to a nats:// server, takes its deliveries on a connection of its own", async () => {
    const pull = await pullOfNew(50);
    try {
      expect(await fetchedCountingLink(pull, 50)).toBeLessThan(50);
    } finally {
      pull.close();
    }
  });

  it.each([
    ["a tls:// server among those configured", (url: string) => `${url},tls://127.0.0.1:1`, undefined],
    ["a ws:// server configured", (_: string) => "ws://127.0.0.1:1", undefined],
    ["a server requiring TLS", (url: string) => url, true],
  ])(
    "given %s, takes its deliveries on the link, whose client speaks TLS and WebSocket",
    async (_, configured, tlsRequired) => {
      // The link is the plain one; only what its configuration and its server's INFO say differs.
      const info = link.nc.info;
      const told = linkTelling({
        url: configured(link.url),
        info: info && { ...info, tls_required: tlsRequired ?? info.tls_required },
      });
      const pull = await pullOfNew(20, told);
      try {
        expect(await fetchedCountingLink(pull, 20)).toBeGreaterThanOrEqual(20);
      } finally {
        pull.close();
      }
    },
  );

  it("given a server that asks for TLS once the pull connects to it, fails that fetch and takes the next on the link", async () => {
    // A server whose INFO the link did not see: another behind the same address, or one reconfigured.
    const wantsTls = createServer((socket) => socket.write('INFO {"server_id":"t","tls_required":true}\r\n'));
    await new Promise<void>((resolve) => wantsTls.listen(0, "127.0.0.1", resolve));
    const { port } = wantsTls.address() as AddressInfo;
    const pull = await pullOfNew(10, linkTelling({ server: `127.0.0.1:${port}` }));
    try {
      await expect(pull.fetch(10, 1_000)).rejects.toThrow(/requires TLS/);
      expect(await fetchedCountingLink(pull, 10)).toBeGreaterThanOrEqual(10);
    } finally {
      pull.close();
      await new Promise((resolve) => wantsTls.close(resolve));
    }
  });

  it.each([
    ["its own connection", "the fetch waiting", true, true],
    ["its own connection", "the next fetch, when none was waiting", true, false],
    // Reconnecting on its own, the link tells nothing until the fetch ends (expiry and grace).
    ["the link's connection", "the fetch waiting, once it ends", false, true],
  ])("given %s lost, rejects %s, and a later one fetches", async (_, __, ownConnection, whileWaiting) => {
    const server = await startPrivateNats();
    const own = await connectNats(server.url, "raw-pull-restart-test");
    let restarted: Awaited<ReturnType<typeof startNatsServer>> | undefined;
    try {
      const jsm = await jetstreamManager(own.nc);
      await jsm.streams.add({ name: STREAM, subjects: ["pl.>"] });
      await jsm.consumers.add(STREAM, { durable_name: "lost", ack_policy: AckPolicy.All });
      const pull = openRawPull(own, STREAM, "lost", { ownConnection });
      try {
        // Connected, and asking.
        expect(await pull.fetch(5, 100)).toEqual([]);
        const fetching = () =>
          pull.fetch(5, 1_000).then(
            () => "fetched",
            (error: Error) => error,
          );
        const waiting = whileWaiting ? fetching() : undefined;
        // Killed: a server stopping gracefully would first end the request itself.
        process.kill(server.pid, "SIGKILL");
        await server.exited;
        const interrupted = await (waiting ?? fetching());
        expect(interrupted).toBeInstanceOf(PullInterruptedError);
        expect(String(interrupted)).toMatch(/PULLS > lost: (its|the) connection was lost/);

        restarted = await startNatsServer({ dataDir: server.dataDir, port: server.port, log: () => {} });
        await waitFor("the link reconnected", async () => own.isConnected() || undefined);
        await jetstream(own.nc).publish("pl.after", "after");
        // Until JetStream is back, a request finds no responder (503).
        const after = await waitFor("a fetch through a new connection", async () =>
          (await pull.fetch(5, 500).catch(() => [])).at(0),
        );

        expect(Buffer.from(after.data).toString()).toBe("after");
      } finally {
        pull.close();
      }
    } finally {
      await own.close();
      await restarted?.stop();
      await server.close();
    }
  });
});
