import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive, type ServerCrashedError, startLocalStack, startNatsServer } from "../../stack/index.ts";
import { connectStore, pingStore } from "../../store/index.ts";
import { connectNats } from "../../streams/index.ts";
import { waitFor } from "../support/streamReader.ts";

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
    let reported: () => void = () => {};
    const firstReport = new Promise<void>((resolve) => {
      reported = resolve;
    });
    const nats = await startNatsServer({
      dataDir: join(dataDir, "crash"),
      log: () => {},
      onCrash: (error) => {
        crashes.push(error);
        reported();
      },
    });
    process.kill(nats.pid, "SIGKILL");
    await firstReport;
    expect(crashes).toHaveLength(1);
    expect(crashes[0]?.message).toMatch(/nats-server \(pid \d+\) exited unexpectedly \(code null, signal SIGKILL\)/);
    expect(crashes[0]?.message).toContain("Server is ready");
  });

  it("does not report a server it was asked to stop", async () => {
    const crashes: ServerCrashedError[] = [];
    const pidFile = join(dataDir, "stop", "nats-server.pid");
    const nats = await startNatsServer({
      dataDir: join(dataDir, "stop"),
      log: () => {},
      onCrash: (error) => crashes.push(error),
    });
    await nats.stop();
    expect(isAlive(nats.pid)).toBe(false);
    // A crash would be reported right after the pid file's removal settles, which comes before this
    // later file check's own answer: once the file is seen gone, a report would be in.
    await waitFor("the pid file to be removed", () =>
      access(pidFile).then(
        () => undefined,
        () => true,
      ),
    );
    expect(crashes).toEqual([]);
  });
});
