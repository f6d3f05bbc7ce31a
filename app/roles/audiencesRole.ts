import { startAudienceWorker } from "../../actors/audience/index.ts";
import {
  openJourneyCatalogWriter,
  republishJourneyCatalog,
  startJourneyStatsTracker,
} from "../../actors/journey/index.ts";
import type { RoleContext } from "./roleContext.ts";

/** `audiences`: rule runs, imports, sweeps and sizes, and the journeys' counters beside them. */
export async function startAudiencesRole({
  log,
  link,
  store,
  partitions,
  repositories,
  readiness,
  onStop,
  now,
  options,
}: RoleContext): Promise<void> {
  const worker = await startAudienceWorker({ link, store, partitions, log, now, sweepTickMs: options.sweepTickMs });
  onStop(worker.stop);
  await republishJourneyCatalog({
    journeys: repositories.journeys,
    messagingSettings: repositories.messagingSettings,
    catalog: await openJourneyCatalogWriter(link.nc),
    log,
  });
  // Journeys' counters are kept beside audiences' sizes: both follow CHANGES in order.
  const journeyStats = await startJourneyStatsTracker({
    link,
    journeys: repositories.journeys,
    stats: repositories.journeyStats,
    log,
  });
  onStop(journeyStats.stop);
  readiness.push({ name: "audiences.consumers", check: worker.consuming });
}
