import { jetstreamManager } from "@nats-io/jetstream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOURNEY_STATS_TRACKER, startJourneyStatsTracker } from "../../../actors/journey/index.ts";
import { completeFact, type JourneyChangedData } from "../../../model/index.ts";
import {
  connectStore,
  journeyStatsRepository,
  journeysRepository,
  journeyVersionId,
  type Store,
} from "../../../store/index.ts";
import {
  connectNats,
  createFactPublisher,
  ensureStreams,
  type NatsLink,
  STREAM_NAMES,
  untilFactsFollowed,
} from "../../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { isolatedMongoUrl, uniqueId } from "../../support/world.ts";

let nats: PrivateNats;
let link: NatsLink;
let store: Store;

beforeAll(async () => {
  nats = await startPrivateNats();
  link = await connectNats(nats.url, "journey-stats-test");
  await ensureStreams(link.nc, 4);
  store = await connectStore(isolatedMongoUrl(uniqueId("db")));
});
afterAll(async () => {
  await link?.close();
  await store?.close();
  await nats?.close();
});

const tracker = () =>
  startJourneyStatsTracker({
    link,
    journeys: journeysRepository(store.db),
    stats: journeyStatsRepository(store.db),
    log: pino({ level: "silent" }),
  });

const tracked = () => untilFactsFollowed(link, JOURNEY_STATS_TRACKER, () => {}, 30_000);

/** A published version 1 whose steps are wait (waitFor), remind (send) and done (exit). */
async function publishedJourney(account: string): Promise<string> {
  const journeyId = uniqueId("jrn_");
  const steps = { wait: { type: "waitFor" }, remind: { type: "send" }, done: { type: "exit" } };
  await journeysRepository(store.db).addVersion({
    _id: journeyVersionId(journeyId, 1),
    journeyId,
    account,
    version: 1,
    definition: { start: "wait", steps },
    templates: {},
    publishedAt: new Date(),
  });
  return journeyId;
}

describe("the journey stats tracker", () => {
  it("counts each journey.changed fact once, even when every fact is delivered again", async () => {
    const account = uniqueId("acct");
    const journeyId = await publishedJourney(account);
    const facts = createFactPublisher(link);
    const publish = (
      customerId: string,
      kind: JourneyChangedData["change"],
      stepId: string,
      previousStepId?: string,
    ) => {
      const at = new Date().toISOString();
      const data = {
        journeyId,
        version: 1,
        occurrence: customerId,
        change: kind,
        stepId,
        at,
        ...(previousStepId ? { previousStepId } : {}),
      };
      return facts.publish([
        facts.prepare(
          completeFact(
            { type: "journey.changed", data },
            { account, customerId, factId: uniqueId("fact"), at, sourceSeq: 1 },
          ),
        ),
      ]);
    };

    const running = await tracker();
    await publish("ann", "ENTERED", "wait");
    await publish("bob", "ENTERED", "wait");
    await publish("ann", "STEPPED", "remind", "wait");
    await publish("bob", "EXITED", "wait");
    await tracked();
    const expected = {
      entered: 2,
      active: 1,
      exited: 1,
      steps: expect.arrayContaining([
        { stepId: "wait", type: "waitFor", entered: 2, active: 0, completed: 1 },
        { stepId: "remind", type: "send", entered: 1, active: 1, completed: 0 },
      ]),
    };
    expect(await journeyStatsRepository(store.db).get(journeyId)).toEqual(expected);

    // The consumer is made again from the start of CHANGES: every fact is delivered a second time.
    await running.stop();
    await (await jetstreamManager(link.nc)).consumers.delete(STREAM_NAMES.changes, JOURNEY_STATS_TRACKER);
    const again = await tracker();
    try {
      await publish("ann", "COMPLETED", "remind");
      await tracked();
      expect(await journeyStatsRepository(store.db).get(journeyId)).toEqual({
        entered: 2,
        active: 0,
        exited: 1,
        steps: expect.arrayContaining([
          { stepId: "wait", type: "waitFor", entered: 2, active: 0, completed: 1 },
          { stepId: "remind", type: "send", entered: 1, active: 0, completed: 1 },
        ]),
      });
    } finally {
      await again.stop();
    }
  });
});
