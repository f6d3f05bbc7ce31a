import { Kvm } from "@nats-io/kv";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  DESTINATION_PROVIDERS,
  type DestinationWorker,
  registerProvider,
  startDestinationWorker,
} from "../../../actors/destination/index.ts";
import { DESTINATION_LEASES_BUCKET } from "../../../actors/destination/worker.ts";
import { completeFact } from "../../../model/index.ts";
import { connectStore, createSecretBox, type Store } from "../../../store/index.ts";
import {
  type CommandPublisher,
  connectNats,
  createCommandPublisher,
  ensureStreams,
  type NatsLink,
} from "../../../streams/index.ts";
import { publishToChanges } from "../../support/changesFacts.ts";
import { waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, TEST_MASTER_KEY, uniqueId } from "../../support/world.ts";
import { insertEchoIntegration } from "./echo/echoIntegration.ts";
import { createEchoProvider } from "./echo/echoProvider.ts";
import { createScriptedReceiver } from "./echo/scriptedReceiver.ts";

/**
 * Issue 12, defect 5: a `destinations` process that stalls past its lease while a call waits in
 * backoff must not send it once it wakes, for by then the lease's next holder has sent it.
 */
const account = uniqueId("acct");
const integrationId = `echo_${account}`;
const secrets = createSecretBox(TEST_MASTER_KEY);
const receiver = createScriptedReceiver("good-token");
const providers = { ...DESTINATION_PROVIDERS, echo: registerProvider(createEchoProvider(receiver)) };
let link: NatsLink;
let store: Store;
let commands: CommandPublisher;
const workers: DestinationWorker[] = [];

beforeAll(async () => {
  link = await connectNats(inject("natsUrl"), "lease-fence-test");
  commands = createCommandPublisher({ link, partitions: (await ensureStreams(link.nc, 4)).partitions });
  store = await connectStore(isolatedMongoUrl(uniqueId("db")));
  await insertEchoIntegration(store, secrets, account, "good-token");
});
afterAll(async () => {
  for (const worker of workers) await worker.stop();
  await store?.close();
  await link?.close();
});

/** A worker's log lines at `warn` and above, as they are written. */
function capturedLog() {
  const lines: string[] = [];
  return { lines, log: pino({ level: "warn" }, { write: (line: string) => lines.push(line) }) };
}

describe("a destinations process that stalled past its integration's lease", () => {
  it("never sends the call it had waiting once it wakes: the lease's next holder sends it, once", async () => {
    // The stalled process: its lease clock is moved on by the test, its backoff waits are
    // released by the test, and it looks at its leases once only (as if stalled since).
    const stalled = { skewMs: 0, backoffs: [] as (() => void)[] };
    const stalledLog = capturedLog();
    const first = await startDestinationWorker({
      link,
      store,
      secrets,
      commands,
      log: stalledLog.log,
      pollMs: 3_600_000,
      providers,
      leaseClock: () => Date.now() + stalled.skewMs,
      sleep: (_ms, signal) =>
        new Promise<void>((resolve, reject) => {
          if (signal.aborted) return reject(signal.reason);
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
          stalled.backoffs.push(resolve);
        }),
    });
    workers.push(first);
    await waitFor("the first worker syncing", async () => (first.syncing() === 1 ? true : undefined));

    receiver.failFor.set("ann", 1);
    const factId = `${account}:ann:event-1`;
    const fact = completeFact(
      {
        type: "event.recorded",
        data: { eventId: "e-ann-1", name: "tap", timestamp: new Date().toISOString(), properties: {}, internal: false },
      },
      { account, customerId: "ann", factId, at: new Date().toISOString(), sourceSeq: 1 },
    );
    await publishToChanges(link, fact);
    await waitFor("ann's call waiting in backoff", async () => (stalled.backoffs.length === 1 ? true : undefined));

    // The stall outlasts the lease: the store expires its entry, and another process takes it.
    stalled.skewMs = 10_000;
    const leases = await new Kvm(link.nc).open(DESTINATION_LEASES_BUCKET);
    await leases.delete(integrationId);
    const next = await startDestinationWorker({
      link,
      store,
      secrets,
      commands,
      log: pino({ level: "silent" }),
      pollMs: 100,
      providers,
    });
    workers.push(next);
    const delivered = () =>
      receiver.answered.filter(
        ({ call, answer }) => "status" in answer && answer.status === 200 && call.customers[0] === "ann",
      );
    await waitFor("ann's call sent by the next holder", async () => (delivered().length > 0 ? true : undefined));

    // The stalled process wakes: its backoff ends.
    for (const release of stalled.backoffs) release();
    await waitFor("the stalled sync stopped, or ann's call sent again", async () =>
      stalledLog.lines.some((line) => line.includes("sync stopped")) || delivered().length > 1 ? true : undefined,
    );
    expect(delivered().length).toBe(1);
    expect(receiver.arrivals.filter((call) => call.customers[0] === "ann").length).toBe(2);
  });
});
