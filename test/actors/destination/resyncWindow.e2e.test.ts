import { Kvm } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PROGRESS_BUCKET } from "../../../actors/destination/windowProgress.ts";
import { completeFact } from "../../../model/index.ts";
import { connectStore, createSecretBox, integrationsRepository, type Store } from "../../../store/index.ts";
import { connectNats, ensureStreams, type NatsLink } from "../../../streams/index.ts";
import { publishToChanges } from "../../support/changesFacts.ts";
import { waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, TEST_MASTER_KEY, uniqueId } from "../../support/world.ts";
import { insertEchoIntegration } from "./echo/echoIntegration.ts";
import { startEchoSync } from "./echo/echoSync.ts";
import { createScriptedReceiver } from "./echo/scriptedReceiver.ts";

/**
 * A window holding a resync, left open by a crash, is read again with the audiences it was first
 * read with: the audiences created since would change its plan, and its finished calls are known
 * by their place in that plan.
 */
let link: NatsLink;
let store: Store;
let partitions: number;

beforeAll(async () => {
  link = await connectNats(inject("natsUrl"), "resync-window-test");
  partitions = (await ensureStreams(link.nc, 4)).partitions;
  store = await connectStore(isolatedMongoUrl(uniqueId("db")));
});
afterAll(async () => {
  await store?.close();
  await link?.close();
});

describe("a window holding a resync", () => {
  it("left open, is read again with the audiences it was first read with", async () => {
    const account = uniqueId("acct");
    const integrations = integrationsRepository(store.db);
    const integrationId = await insertEchoIntegration(store, createSecretBox(TEST_MASTER_KEY), account, "good-token");
    const integration = (await integrations.get(integrationId)) ?? expect.fail("not stored");

    const fact = completeFact(
      {
        type: "customer.resynced",
        data: { integrationId, resyncId: "r1", current: { part: "memberships", audienceIds: ["aud-1"] } },
      },
      { account, customerId: "ana", factId: `${account}:1:0`, at: new Date().toISOString(), sourceSeq: 1 },
    );
    const seq = await publishToChanges(link, fact);
    // A crash left the window open after it was read when the account had one audience.
    const progress = new Kvm(link.nc).create(PROGRESS_BUCKET, { history: 1 });
    const open = { fromSeq: seq, toSeq: seq, done: [], parts: {} };
    const context = { denied: [], resyncAudiences: [["aud-1", "Gold"]] };
    await (await progress).put(integrationId, JSON.stringify([{ ...open, context }]));

    const receiver = createScriptedReceiver("good-token");
    const sync = await startEchoSync({
      link,
      store,
      partitions,
      integration,
      secret: "good-token",
      receiver,
      wants: ["membership.changed"],
      // Since then, the account has a second audience.
      audienceNames: async () =>
        new Map([
          ["aud-1", "Gold"],
          ["aud-2", "Churned"],
        ]),
    });
    try {
      const calls = await waitFor("the window sent", async () =>
        receiver.answered.length > 0 ? receiver.answered : undefined,
      );
      expect(calls.flatMap(({ call }) => call.facts.map((f) => [f.factId, f.type]))).toEqual([
        [`${account}:1:0/0`, "membership.changed"],
      ]);
    } finally {
      await sync.stop();
    }
  });
});
