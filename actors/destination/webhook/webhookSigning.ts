import { Webhook } from "standardwebhooks";
import type { WebhookSecrets } from "../../../store/index.ts";

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
