import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMasivo } from "../../app/startMasivo.ts";
import { type ServerProcess, startNatsServer } from "../../stack/index.ts";
import { connectNats } from "../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../support/privateNats.ts";
import { postGraphQL, startTestMasivo } from "../support/startTestMasivo.ts";
import { waitFor } from "../support/streamReader.ts";

// A nats-server of this file's own, so stopping it disturbs no other test.
let first: PrivateNats;
let nats: ServerProcess & { url: string };
let masivo: RunningMasivo & { baseUrl: string };
let key: string;

beforeAll(async () => {
  first = await startPrivateNats();
  nats = first;
  masivo = await startTestMasivo({ NATS_URL: nats.url });
  key = masivo.bootstrapKey ?? "";
});
afterAll(async () => {
  await masivo?.stop();
  await nats?.stop();
  await first?.close();
});

const track = (id: string) =>
  postGraphQL(masivo.baseUrl, key, {
    query: "mutation($e: [EventInput!]!) { trackEvents(events: $e) { accepted ids } }",
    variables: { e: [{ id, customerId: "c-1", name: "opened" }] },
  });

async function storedIngestMessages(): Promise<number> {
  const link = await connectNats(nats.url, "outage-check");
  try {
    const { jetstreamManager } = await import("@nats-io/jetstream");
    return (await (await jetstreamManager(link.nc)).streams.info("INGEST")).state.messages;
  } finally {
    await link.close();
  }
}

describe("when NATS goes away", () => {
  it("answers UNAVAILABLE and accepts nothing, fails /readyz, and recovers on its own when NATS returns", async () => {
    expect((await track("before")).body.data).toEqual({ trackEvents: { accepted: 1, ids: ["before"] } });
    const port = nats.port;
    await nats.stop();

    const during = await waitFor("a call refused as UNAVAILABLE", async () => {
      const result = await track("during");
      return result.body.errors?.[0]?.extensions?.code === "UNAVAILABLE" ? result : undefined;
    });
    expect(during.body.errors?.[0]?.extensions?.code).toBe("UNAVAILABLE");
    expect(during.body.data ?? null).toBeNull();
    const notReady = await fetch(`${masivo.baseUrl}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ status: "unavailable", checks: { nats: false } });

    nats = await startNatsServer({ dataDir: first.dataDir, port, log: () => {} });
    const after = await waitFor("a call accepted again", async () => {
      const result = await track("after");
      return result.body.errors === undefined ? result : undefined;
    });
    expect(after.body.data).toEqual({ trackEvents: { accepted: 1, ids: ["after"] } });
    expect((await fetch(`${masivo.baseUrl}/readyz`)).status).toBe(200);
    // "before" and "after" are stored; "during" never was.
    expect(await storedIngestMessages()).toBe(2);
  });
});
