import { type Unsubscriber, unsubscribeUrl } from "../../model/index.ts";
import type { ChannelIntegrations } from "./channelIntegrations.ts";
import type { ProviderAnswer } from "./providerAnswer.ts";
import type { EmailSender } from "./providers.ts";
import { isAnswer, renderSend, type TemplateVersionReader, targetOf } from "./renderSend.ts";
import type { ClaimedSend } from "./sendBatch.ts";

export type EmailDeliveryDependencies = {
  integrations: ChannelIntegrations<EmailSender>;
  versions: TemplateVersionReader;
  /** The link a marketing email's unsubscribe headers and `{{ unsubscribeUrl }}` point at. */
  unsubscribeLink: (unsubscriber: Unsubscriber) => string;
};

/** The gateway's unsubscribe link for a customer, signed with the deployment's key. */
export function unsubscribeLinks(publicUrl: string, key: Buffer) {
  return (unsubscriber: Unsubscriber) => unsubscribeUrl(publicUrl, key, unsubscriber);
}

/**
 * An email: rendered (the unsubscribe link among its variables when it is MARKETING), then sent
 * through the account's SMTP integration within its rate.
 */
export function emailDelivery(deps: EmailDeliveryDependencies) {
  return async (send: ClaimedSend): Promise<ProviderAnswer> => {
    const { metadata, data } = send.fact;
    const target = targetOf(send, "EMAIL");
    if (isAnswer(target)) return target;
    const integration = await deps.integrations.of(metadata.account);
    if (!integration) return { kind: "failed", reason: "email is not configured for this account (configureEmail)" };
    const link =
      data.category === "MARKETING"
        ? deps.unsubscribeLink({ account: metadata.account, customerId: metadata.customerId })
        : undefined;
    const rendered = await renderSend(send, "EMAIL", deps.versions, link);
    if (isAnswer(rendered)) return rendered;
    const to = target.email;
    return integration.call(() =>
      integration.sender.send({
        sendKey: data.sendKey,
        to,
        category: data.category,
        ...rendered.email,
        ...(link === undefined ? {} : { unsubscribeUrl: link }),
      }),
    );
  };
}
