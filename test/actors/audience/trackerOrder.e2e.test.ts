import { jetstream } from "@nats-io/jetstream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MEMBERSHIP_TRACKER, startMembershipTracker } from "../../../actors/audience/membershipTracker.ts";
import { completeFact, type MembershipChangeKind } from "../../../model/index.ts";
import {
  audienceMembersRepository,
  audienceRunsRepository,
  audiencesRepository,
  connectStore,
  type Store,
} from "../../../store/index.ts";
import {
  connectNats,
  createFactPublisher,
  ensureStreams,
  type NatsLink,
  STREAM_NAMES,
} from "../../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, uniqueId } from "../../support/world.ts";

/**
 * Found by `npm run faults` (audiences killed mid-recalculation): the facts a dead tracker held
 * came back after newer ones had been applied, so an older membership overwrote a newer one and
 * the run's counted mark skipped the older facts for good (the run never ended, or ended short).
 */
let nats: PrivateNats;
let link: NatsLink;
let store: Store;

beforeAll(async () => {
  nats = await startPrivateNats();
  link = await connectNats(nats.url, "tracker-order-test");
  await ensureStreams(link.nc, 4);
  store = await connectStore(isolatedMongoUrl(uniqueId("db")));
});
afterAll(async () => {
  await link?.close();
  await store?.close();
  await nats?.close();
});

const tracker = () =>
  startMembershipTracker({
    link,
    audiences: audiencesRepository(store.db),
    runs: audienceRunsRepository(store.db),
    members: audienceMembersRepository(store.db),
    finishRun: async () => {},
    log: pino({ level: "silent" }),
  });

describe("the membership tracker", () => {
  it("given a dead process's batch of older facts, applies the newer ones only after them, in order", async () => {
    const account = uniqueId("acct");
    const audiences = audiencesRepository(store.db);
    const runs = audienceRunsRepository(store.db);
    const audience = await audiences.create({ _id: uniqueId("aud"), account, name: "VIP", kind: "RULES" });
    const runId = uniqueId("run");
    await runs.create({ _id: runId, account, audienceId: audience._id, kind: "RECALCULATE" });
    const facts = createFactPublisher(link);
    const change = (customerId: string, kind: MembershipChangeKind) => {
      const at = new Date().toISOString();
      return facts.publish([
        facts.prepare(
          completeFact(
            { type: "membership.changed", data: { audienceId: audience._id, change: kind, at, runId } },
            { account, customerId, factId: uniqueId("fact"), at, sourceSeq: 1 },
          ),
        ),
      ]);
    };

    // The consumer exists (a tracker ran); a process takes ann's ENTERED and dies holding it.
    await (await tracker()).stop();
    await change("ann", "ENTERED");
    const held = await jetstream(link.nc).consumers.get(STREAM_NAMES.changes, MEMBERSHIP_TRACKER);
    const dead = [];
    for await (const message of await held.fetch({ max_messages: 1, expires: 2_000 })) dead.push(message);
    expect(dead).toHaveLength(1);

    // Newer facts: ann leaves, bob enters. A tracker starts while ann's ENTERED is still held.
    await change("ann", "EXITED");
    await change("bob", "ENTERED");
    const running = await tracker();
    try {
      const counted = await waitFor(
        "the run's three answers counted",
        async () => {
          const run = await runs.byId(runId);
          return run && run.entered + run.exited >= 3 ? run : undefined;
        },
        30_000,
      );
      expect({ entered: counted.entered, exited: counted.exited }).toEqual({ entered: 2, exited: 1 });
      const members = audienceMembersRepository(store.db);
      expect(await members.count(audience._id)).toBe(1);
      expect((await audiences.get(account, audience._id))?.size).toBe(1);
    } finally {
      await running.stop();
    }
  });
});
