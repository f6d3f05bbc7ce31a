import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive, type ServerCrashedError, startLocalStack, startNatsServer } from "../../stack/index.ts";
import { connectStore, pingStore } from "../../store/index.ts";
import { connectNats } from "../../streams/index.ts";

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "masivo-stack-"));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe("the local stack", () => {
  it("starts nats-server with JetStream and a MongoDB-compatible server, and stops both", async () => {
    const stack = await startLocalStack({ dataDir: join(dataDir, "both"), log: () => {} });
    expect(stack.servers).toHaveLength(2);
    const link = await connectNats(stack.natsUrl, "stack-test");
    const { jetstreamManager } = await import("@nats-io/jetstream");
    expect((await (await jetstreamManager(link.nc)).getAccountInfo()).limits).toBeDefined();
    await link.close();
    const store = await connectStore(stack.mongodbUrl);
    expect(await pingStore(store)).toBe(true);
    await store.close();

    await stack.stop();
    for (const server of stack.servers) expect(isAlive(server.pid)).toBe(false);
  });

  it("uses configured URLs as they are and starts nothing", async () => {
    const stack = await startLocalStack({
      natsUrl: "nats://example:4222",
      mongodbUrl: "mongodb://example",
      dataDir,
      log: () => {},
    });
    expect(stack.servers).toEqual([]);
    expect(stack.natsUrl).toBe("nats://example:4222");
  });

  it("reports a server that dies, with its last output", async () => {
    const crashes: ServerCrashedError[] = [];
    const nats = await startNatsServer({
      dataDir: join(dataDir, "crash"),
      log: () => {},
      onCrash: (error) => crashes.push(error),
    });
    process.kill(nats.pid, "SIGKILL");
    await nats.exited;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(crashes).toHaveLength(1);
    expect(crashes[0]?.message).toMatch(/nats-server \(pid \d+\) exited unexpectedly \(code null, signal SIGKILL\)/);
    expect(crashes[0]?.message).toContain("Server is ready");
  });

  it("does not report a server it was asked to stop", async () => {
    const crashes: ServerCrashedError[] = [];
    const nats = await startNatsServer({
      dataDir: join(dataDir, "stop"),
      log: () => {},
      onCrash: (error) => crashes.push(error),
    });
    await nats.stop();
    expect(isAlive(nats.pid)).toBe(false);
    expect(crashes).toEqual([]);
  });
});
