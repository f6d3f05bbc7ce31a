import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type JourneyCatalog,
  openJourneyCatalog,
  openJourneyCatalogWriter,
  republishJourneyCatalog,
} from "../../../actors/journey/index.ts";
import { journeyVersionId, messagingSettingsRepository } from "../../../store/index.ts";
import { createWorld, uniqueId, type World } from "../../support/world.ts";

let world: World;
let catalog: JourneyCatalog;
const log = pino({ level: "silent" });

beforeAll(async () => {
  world = await createWorld();
  catalog = await openJourneyCatalog(world.link.nc, log);
});
afterAll(async () => {
  await catalog?.stop();
  await world?.close();
});

const definition = {
  entry: { type: "event", event: "signed_up" },
  start: "done",
  steps: { done: { type: "exit" } },
};

describe("republishJourneyCatalog", () => {
  it("puts in the catalog what the store holds but the catalog missed: versions, status, messaging settings", async () => {
    const { account, services } = world;
    const journeyId = uniqueId("jrn_");
    const at = new Date();
    // Written to the store only, as by a gateway that died before it reached the catalog.
    const journey = await services.journeys.create({
      _id: journeyId,
      account,
      name: "Welcome",
      status: "PAUSED",
      version: 2,
      publishedVersion: 2,
      createdAt: at,
      updatedAt: at,
    });
    for (const version of [1, 2]) {
      await services.journeys.addVersion({
        _id: journeyVersionId(journeyId, version),
        journeyId,
        account,
        version,
        definition,
        templates: {},
        publishedAt: at,
      });
    }
    await messagingSettingsRepository(world.store.db).set(account, { timezone: "Europe/Madrid", caps: [] });
    await catalog.caughtUp();
    expect(catalog.status(account, journeyId)).toBeUndefined();

    await republishJourneyCatalog({
      journeys: services.journeys,
      messagingSettings: messagingSettingsRepository(world.store.db),
      catalog: await openJourneyCatalogWriter(world.link.nc),
      log,
    });
    await catalog.caughtUp();
    expect(catalog.status(account, journey._id)).toBe("PAUSED");
    expect(catalog.version(account, journeyId, 1)?.definition.start).toBe("done");
    expect(catalog.version(account, journeyId, 2)?.version).toBe(2);
    expect(catalog.messaging(account)).toEqual({ timezone: "Europe/Madrid", caps: [] });
  });
});
