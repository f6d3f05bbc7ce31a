import type { ChannelIntegrations } from "./channelIntegrations.ts";
import type { ProviderAnswer } from "./providerAnswer.ts";
import type { WhatsAppSender } from "./providers.ts";
import { isAnswer, renderSend, type TemplateVersionReader, targetOf } from "./renderSend.ts";
import type { ClaimedSend } from "./sendBatch.ts";

/** A WhatsApp template message: its parameters rendered, sent through the account's Cloud API number within its rate. */
export function whatsAppDelivery(deps: {
  integrations: ChannelIntegrations<WhatsAppSender>;
  versions: TemplateVersionReader;
}) {
  return async (send: ClaimedSend): Promise<ProviderAnswer> => {
    const { metadata, data } = send.fact;
    const target = targetOf(send, "WHATSAPP");
    if (isAnswer(target)) return target;
    const integration = await deps.integrations.of(metadata.account);
    if (!integration)
      return { kind: "failed", reason: "WhatsApp is not configured for this account (configureWhatsApp)" };
    const rendered = await renderSend(send, "WHATSAPP", deps.versions);
    if (isAnswer(rendered)) return rendered;
    const { templateName, language, bodyParameters, headerParameters } = rendered.whatsapp;
    const to = target.phone;
    return integration.call(() =>
      integration.sender.send({
        sendKey: data.sendKey,
        to,
        templateName,
        language,
        bodyParameters: bodyParameters ?? [],
        headerParameters: headerParameters ?? [],
      }),
    );
  };
}
