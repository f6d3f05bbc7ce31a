import type { WhatsAppSecrets, WhatsAppSettings } from "../../../model/index.ts";
import type { ProviderAnswer } from "../providerAnswer.ts";
import { answerForNoAnswer, callProvider, isNoAnswer } from "../providerHttp.ts";
import { classifyWhatsAppAnswer } from "./classifyWhatsAppAnswer.ts";

/** One rendered WhatsApp template message (a `WhatsAppContent` with its parameters rendered). */
export type OutgoingWhatsApp = {
  /** The send's idempotency key; the Cloud API has no idempotency key of its own to carry it. */
  sendKey: string;
  /** E.164, `+` included. */
  to: string;
  templateName: string;
  language: string;
  bodyParameters: string[];
  headerParameters: string[];
};

export type WhatsAppSender = { send(message: OutgoingWhatsApp): Promise<ProviderAnswer> };

export type WhatsAppSenderOptions = {
  /** How long one call may take; later it is `unknown`. Default 10 s. */
  timeoutMs?: number;
  now?: () => number;
};

const GRAPH_ORIGIN = "https://graph.facebook.com";
/** The Graph API version called; Meta supports each for about two years. */
const GRAPH_API_VERSION = "v21.0";

/**
 * The WhatsApp Business Cloud API's template send. It is never retried on a lost answer: a
 * WhatsApp message cannot be recalled or de-duplicated, so the pipeline records it UNKNOWN.
 */
export function createWhatsAppSender(
  settings: WhatsAppSettings,
  secrets: WhatsAppSecrets,
  options: WhatsAppSenderOptions = {},
): WhatsAppSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const now = options.now ?? Date.now;
  const origin = (settings.endpoint ?? GRAPH_ORIGIN).replace(/\/+$/, "");
  const url = `${origin}/${GRAPH_API_VERSION}/${settings.phoneNumberId}/messages`;
  const headers = { authorization: `Bearer ${secrets.accessToken}`, "content-type": "application/json" };
  return {
    async send(message) {
      const outcome = await callProvider(url, { headers, body: JSON.stringify(templateBody(message)), timeoutMs });
      return isNoAnswer(outcome) ? answerForNoAnswer(outcome) : classifyWhatsAppAnswer(outcome, now());
    },
  };
}

/** The Cloud API's template message: positional text parameters for the header and the body. */
function templateBody(message: OutgoingWhatsApp) {
  const textParameters = (values: string[]) => values.map((text) => ({ type: "text", text }));
  const components = [
    ...(message.headerParameters.length === 0
      ? []
      : [{ type: "header", parameters: textParameters(message.headerParameters) }]),
    ...(message.bodyParameters.length === 0
      ? []
      : [{ type: "body", parameters: textParameters(message.bodyParameters) }]),
  ];
  return {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: message.to.replace(/^\+/, ""),
    type: "template",
    template: {
      name: message.templateName,
      language: { code: message.language, policy: "deterministic" },
      ...(components.length === 0 ? {} : { components }),
    },
  };
}
