import type { BrazeSettings } from "../../store/index.ts";

/** A Braze integration with every sync on, in PER_TYPE mode, as the planning tests use it. */
export const BRAZE_SETTINGS: BrazeSettings = {
  restEndpoint: "https://rest.iad-01.braze.com",
  batchLimit: "PER_TYPE",
  enabled: true,
  syncAudiences: true,
  syncEvents: true,
  syncPurchases: true,
  syncTags: true,
  customersCreate: true,
  customersUpdate: true,
  customersDelete: true,
};
