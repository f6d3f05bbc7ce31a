import { type InAppMessages, inAppMessageId } from "../../store/index.ts";
import type { ProviderAnswer } from "./providerAnswer.ts";
import { isAnswer, renderSend, type TemplateVersionReader } from "./renderSend.ts";
import type { ClaimedSend } from "./sendBatch.ts";

/** How long an in-app message is shown when its template says nothing: 30 days. */
const DEFAULT_EXPIRY_SECONDS = 30 * 86_400;

/**
 * In-app messages need no provider: delivering one is storing it in the customer's inbox, under an
 * id derived from the send key, so a send delivered again is stored once.
 */
export function inAppDelivery(deps: { inbox: InAppMessages; versions: TemplateVersionReader; now: () => Date }) {
  return async (send: ClaimedSend): Promise<ProviderAnswer> => {
    const rendered = await renderSend(send, "IN_APP", deps.versions);
    if (isAnswer(rendered)) return rendered;
    const { expiresInSeconds, ...content } = rendered.inApp;
    const { account, customerId } = send.fact.metadata;
    const createdAt = deps.now();
    const expiresAt = new Date(createdAt.getTime() + (expiresInSeconds ?? DEFAULT_EXPIRY_SECONDS) * 1_000);
    await deps.inbox.deliver({ account, customerId, sendKey: send.fact.data.sendKey, content, createdAt, expiresAt });
    return { kind: "sent", providerMessageId: inAppMessageId(account, send.fact.data.sendKey) };
  };
}
