/**
 * What a provider call came to, in the send pipeline's terms. The pipeline records SENT, FAILED or
 * UNKNOWN from it, retries what may be retried, and holds the channel's sends while its settings
 * are wrong (the integration is FAILING until they change).
 */
export type ProviderAnswer =
  /** Accepted; `providerMessageId` when the provider names it (FCM `name`, WhatsApp `wamid`, SMTP `Message-ID`). */
  | { kind: "sent"; providerMessageId?: string }
  /** Try again later: 4xx SMTP replies, 429 / 5xx, throughput limits; `afterMs` from `Retry-After` when given. */
  | { kind: "retry"; reason: string; afterMs?: number }
  /** Never sending: the recipient or the message is refused for good (5xx SMTP, 131047, a bad payload). */
  | { kind: "failed"; reason: string }
  /** Push only: the device token is dead (FCM UNREGISTERED, APNs 410 / BadDeviceToken): remove it from the customer. */
  | { kind: "deadToken"; reason: string }
  /** The account's credentials or settings are wrong (401/403, OAuth refused): nothing of this channel can be sent. */
  | { kind: "misconfigured"; reason: string }
  /** No answer (a timeout, a cut connection after the request left): it may or may not have been sent. */
  | { kind: "unknown"; reason: string };
