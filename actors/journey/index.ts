export {
  JOURNEY_CATALOG_BUCKET,
  type JourneyCatalog,
  type JourneyCatalogWriter,
  openJourneyCatalog,
  openJourneyCatalogWriter,
} from "./catalog.ts";
export { delayDeadline, nextLocalTime } from "./deadlines.ts";
export {
  earliestDeadline,
  type JourneyEntryDecision,
  type JourneyTrigger,
  journeysEntered,
  keptInstances,
  MAX_ACTIVE_INSTANCES,
} from "./entries.ts";
export type { JourneyVersion } from "./journeyVersion.ts";
export {
  advanceInstance,
  enterJourney,
  type JourneyCustomer,
  type JourneyEvent,
  type JourneyInput,
  type JourneyMove,
  type JourneySend,
} from "./machine.ts";
export { broadcastMessagingSettings } from "./messagingBroadcast.ts";
export { createJourneyOperations, type JourneyOperationsDependencies } from "./operations.ts";
export { republishJourneyCatalog } from "./republishCatalog.ts";
export { JOURNEY_STATS_TRACKER, startJourneyStatsTracker } from "./statsTracker.ts";
