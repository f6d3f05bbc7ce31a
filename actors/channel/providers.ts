/** The provider clients the channel workers call: one rendered message in, one `ProviderAnswer` out. */
export {
  createEmailSender,
  type EmailSender,
  type EmailSenderOptions,
  type OutgoingEmail,
} from "./email/emailSender.ts";
export type { PushDevice, PushNotification } from "./push/pushNotification.ts";
export { createPushSender, type PushSender, type PushSenderOptions } from "./push/pushSender.ts";
export {
  createWhatsAppSender,
  type OutgoingWhatsApp,
  type WhatsAppSender,
  type WhatsAppSenderOptions,
} from "./whatsapp/whatsAppSender.ts";
