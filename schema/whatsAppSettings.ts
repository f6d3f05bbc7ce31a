import { z } from "zod";
import { type WhatsAppSettings, whatsAppSettingsSchema } from "../model/index.ts";
import { builder } from "./builder.ts";
import { configureChannel } from "./configureChannel.ts";
import { parseArgument } from "./errors.ts";
import { IntegrationRef } from "./integration.ts";
import { localEndpointSchema } from "./localEndpoint.ts";
import { maxPerSecondSchema } from "./providerRate.ts";

/**
 * The Cloud API's throughput per business phone number: 80 messages a second by default, up to
 * 1,000 once Meta upgrades the number.
 */
const USUAL_WHATSAPP_RATE = 80;
const MOST_WHATSAPP_RATE = 1_000;

const WhatsAppSettingsInputRef = builder.inputType("WhatsAppSettingsInput", {
  description: "The account's WhatsApp Business number; the access token is stored encrypted and never returned",
  fields: (t) => ({
    phoneNumberId: t.string({ required: true, description: "The business phone number's id (digits), not the number" }),
    accessToken: t.string({ required: true, description: "A system user's token with whatsapp_business_messaging" }),
    maxPerSecond: t.int({
      description: `Default ${USUAL_WHATSAPP_RATE} (the Cloud API's default throughput), at most ${MOST_WHATSAPP_RATE}`,
    }),
    endpoint: t.string({ description: "Tests and fakes only: http://127.0.0.1:<port> instead of graph.facebook.com" }),
  }),
});

const whatsAppSettingsInputSchema = (allowLocal: boolean) =>
  z
    .object({
      phoneNumberId: whatsAppSettingsSchema.shape.phoneNumberId,
      accessToken: z.string().trim().min(1, "must not be empty").max(1_024, "must be at most 1024 characters"),
      maxPerSecond: maxPerSecondSchema(USUAL_WHATSAPP_RATE, MOST_WHATSAPP_RATE),
      endpoint: localEndpointSchema(allowLocal),
    })
    .transform(({ accessToken, endpoint, ...rest }) => ({
      settings: { ...rest, ...(endpoint ? { endpoint } : {}) } satisfies WhatsAppSettings,
      secrets: { accessToken },
    }));

builder.mutationField("configureWhatsApp", (t) =>
  t.field({
    type: IntegrationRef,
    description:
      "ADMIN: configures the account's WhatsApp number (kind whatsapp); again = replace (a FAILING one retries)",
    authScopes: { admin: true },
    args: { input: t.arg({ type: WhatsAppSettingsInputRef, required: true }) },
    resolve: (_root, args, context) => {
      const allowLocal = context.services.allowLocalDestinations;
      const input = parseArgument(whatsAppSettingsInputSchema(allowLocal), args.input, "input");
      return configureChannel(context, { kind: "whatsapp", ...input });
    },
  }),
);
