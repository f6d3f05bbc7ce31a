import type { Logger } from "pino";
import type { AccountMessagingSettings, Journeys } from "../../store/index.ts";
import type { JourneyCatalogWriter } from "./catalog.ts";

export type CatalogSources = {
  journeys: Journeys;
  messagingSettings: AccountMessagingSettings;
  catalog: JourneyCatalogWriter;
  log: Logger;
};

/**
 * Puts every published journey (each of its versions, then its status) and every account's
 * messaging settings in the catalog again. MongoDB holds them; the catalog is their broadcast:
 * run at start, this repairs a catalog that missed a write (a gateway that died between the two)
 * or was lost, and brings in settings saved before the catalog carried them. One journey that
 * cannot be put is logged and the others go on.
 */
export async function republishJourneyCatalog({ journeys, messagingSettings, catalog, log }: CatalogSources) {
  for (const journey of await journeys.all()) {
    try {
      for (let number = 1; number <= (journey.publishedVersion ?? 0); number++) {
        const version = await journeys.version(journey.account, journey._id, number);
        if (version) await catalog.putVersion(version);
      }
      await catalog.putJourney(journey);
    } catch (error) {
      log.error(
        { err: error, account: journey.account, journey: journey._id },
        "journey not republished to the catalog",
      );
    }
  }
  for (const { account, settings } of await messagingSettings.all()) await catalog.putMessaging(account, settings);
}
