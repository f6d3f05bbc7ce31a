/** The fake SMTP relay's public surface: start one, then inspect what it received and inject faults. */
export type { ActiveFault, FakeSmtpFault, FaultEffect, FaultScope, SmtpStage } from "./faults.ts";
export { SMTP_STAGES } from "./faults.ts";
export type { FakeSmtpStats, MessageFilter } from "./mailbox.ts";
export {
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_PASSWORD,
  DEFAULT_USERNAME,
  type FakeSmtpOptions,
  type SmtpRateLimit,
} from "./options.ts";
export type { ReceivedMessage } from "./receivedMessage.ts";
export { relaySettings } from "./relaySettings.ts";
export { type FakeSmtp, type FakeSmtpFaults, startFakeSmtp } from "./startFakeSmtp.ts";
export type { FakeSmtpState } from "./state.ts";
