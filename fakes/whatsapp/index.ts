/** The fake WhatsApp Cloud API's public surface: start one, then inspect it and inject faults. */
export type { ActiveFault, FakeWhatsAppFault, FaultEffect, FaultScope } from "./faults.ts";
export { ERROR_CODES } from "./graphErrors.ts";
export type { FakeWhatsAppMessage, MessageFilter } from "./messageStore.ts";
export {
  DEFAULT_MAX_PER_SECOND,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_TOKEN,
  type FakeWhatsAppOptions,
  type PairRateLimit,
} from "./options.ts";
export type { FakeWhatsAppRequest, FakeWhatsAppStats } from "./requestLog.ts";
export {
  type FakeWhatsApp,
  type FakeWhatsAppFaults,
  type FakeWhatsAppState,
  startFakeWhatsApp,
} from "./startFakeWhatsApp.ts";
export type { SentTemplate } from "./templateSend.ts";
export type { ApprovedTemplate, StoredTemplate } from "./templates.ts";
