import { Webhook } from "standardwebhooks";
import { z } from "zod";
import type { WebhookSecrets } from "../../../store/index.ts";

const webhookSecretsSchema = z.object({
  keys: z.array(z.object({ key: z.string().startsWith("whsec_"), until: z.iso.datetime().optional() })).min(1),
}) satisfies z.ZodType<WebhookSecrets>;

/** A webhook's opened secret (JSON, `WebhookSecrets`), checked: a store holding something else is a bug to hear of. */
export function readWebhookSecrets(opened: string): WebhookSecrets {
  const parsed = webhookSecretsSchema.safeParse(JSON.parse(opened));
  if (!parsed.success) throw new Error(`a webhook's stored secrets are unreadable: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * The `webhook-signature` header of one try: `v1,<base64 HMAC-SHA256 of id.timestamp.body>` with
 * every secret still signing at `at` (both during a rotation), space-separated, so a receiver
 * that holds either verifies. Signed by the `standardwebhooks` library itself, over exactly the
 * bytes sent.
 */
export function signatureOf(secrets: WebhookSecrets, messageId: string, at: Date, body: string): string {
  return secrets.keys
    .filter(({ until }) => until === undefined || Date.parse(until) > at.getTime())
    .map(({ key }) => new Webhook(key).sign(messageId, at, body))
    .join(" ");
}
