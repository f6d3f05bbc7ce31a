import type { AccountMessagingSettings } from "../../store/index.ts";
import type { JourneyCatalogWriter } from "./catalog.ts";

/**
 * The accounts' messaging settings, each change also put in the journey catalog: journey sends
 * are decided inside the customer actor, which reads caps and quiet hours from there. Saved
 * first, so the catalog never holds settings the store does not.
 */
export function broadcastMessagingSettings(
  settings: AccountMessagingSettings,
  catalog: JourneyCatalogWriter,
): AccountMessagingSettings {
  return {
    ...settings,
    async set(account, changed) {
      await settings.set(account, changed);
      await catalog.putMessaging(account, changed);
    },
  };
}
