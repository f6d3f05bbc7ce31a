import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMembershipTracker } from "../../../actors/audience/membershipTracker.ts";
import { completeFact } from "../../../model/index.ts";
import {
  type Audiences,
  audienceMembersRepository,
  audienceRunsRepository,
  audiencesRepository,
  connectStore,
  type Store,
} from "../../../store/index.ts";
import { connectNats, createFactPublisher, ensureStreams, type NatsLink } from "../../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, uniqueId } from "../../support/world.ts";

let nats: PrivateNats;
let link: NatsLink;
let store: Store;

beforeAll(async () => {
  nats = await startPrivateNats();
  link = await connectNats(nats.url, "audience-sizes-test");
  await ensureStreams(link.nc, 4);
  store = await connectStore(isolatedMongoUrl(uniqueId("db")));
});
afterAll(async () => {
  await link?.close();
  await store?.close();
  await nats?.close();
});

/** Publishes `customer ENTERED audience` facts into CHANGES, as customer actors do. */
async function entered(account: string, audienceId: string, customerIds: string[]) {
  const facts = createFactPublisher(link);
  const at = new Date().toISOString();
  await facts.publish(
    customerIds.map((customerId, index) =>
      facts.prepare(
        completeFact(
          { type: "membership.changed", data: { audienceId, change: "ENTERED", at } },
          { account, customerId, factId: uniqueId(`fact-${index}`), at, sourceSeq: 1 },
        ),
      ),
    ),
  );
}

describe("audience sizes", () => {
  it("given the size adjustment failing once after the members were written, when the batch comes again, then the size matches the members", async () => {
    const real = audiencesRepository(store.db);
    let failures = 1;
    const audiences: Audiences = {
      ...real,
      adjustSizes: async (deltas) => {
        if (failures-- > 0) throw new Error("store unreachable");
        await real.adjustSizes(deltas);
      },
    };
    const account = uniqueId("acct");
    const audience = await real.create({ _id: uniqueId("aud"), account, name: "VIP", kind: "STATIC" });
    const tracker = await startMembershipTracker({
      link,
      audiences,
      runs: audienceRunsRepository(store.db),
      members: audienceMembersRepository(store.db),
      finishRun: async () => {},
      log: pino({ level: "silent" }),
    });
    try {
      await entered(account, audience._id, ["c1", "c2", "c3"]);
      const settled = await waitFor("the size to match the three members", async () => {
        const found = await real.get(account, audience._id);
        return found?.size === 3 && !found.sizeUncertain ? found : undefined;
      });
      expect(settled.size).toBe(3);
      expect(failures).toBe(-1);
    } finally {
      await tracker.stop();
    }
  });
});
