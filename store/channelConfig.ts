import { z } from "zod";
import type { ChannelIntegrationConfig, EmailSecrets, PushSecrets, WhatsAppSecrets } from "../model/index.ts";
import type { ChannelIntegrationDocument, SealedChannelConfig } from "./integrations.ts";
import type { SecretBox } from "./secretBox.ts";

const emailSecretsSchema = z.object({ password: z.string().optional() }) satisfies z.ZodType<EmailSecrets>;
const pushSecretsSchema = z.object({
  fcmPrivateKey: z.string().optional(),
  apnsPrivateKey: z.string().optional(),
}) satisfies z.ZodType<PushSecrets>;
const whatsAppSecretsSchema = z.object({ accessToken: z.string() }) satisfies z.ZodType<WhatsAppSecrets>;

/** A channel's configuration as the store keeps it: its secrets one sealed JSON text. */
export function sealChannelConfig(config: ChannelIntegrationConfig, secretBox: SecretBox): SealedChannelConfig {
  const secret = secretBox.seal(JSON.stringify(config.secrets));
  switch (config.kind) {
    case "email":
      return { kind: "email", settings: config.settings, secret };
    case "push":
      return { kind: "push", settings: config.settings, secret };
    case "whatsapp":
      return { kind: "whatsapp", settings: config.settings, secret };
  }
}

/**
 * A channel integration's settings with its secrets opened: what the channel workers call the
 * provider with, and the only way a secret leaves the store. Throws, naming the integration, when
 * the secrets cannot be opened (another master key) or are not the kind's.
 */
export function openChannelConfig(
  document: ChannelIntegrationDocument,
  secretBox: SecretBox,
): ChannelIntegrationConfig {
  const secrets = parseSecrets(document, secretBox);
  switch (document.kind) {
    case "email":
      return { kind: "email", settings: document.settings, secrets: secrets(emailSecretsSchema) };
    case "push":
      return { kind: "push", settings: document.settings, secrets: secrets(pushSecretsSchema) };
    case "whatsapp":
      return { kind: "whatsapp", settings: document.settings, secrets: secrets(whatsAppSecretsSchema) };
  }
}

function parseSecrets(document: ChannelIntegrationDocument, secretBox: SecretBox) {
  return <T>(schema: z.ZodType<T>): T => {
    try {
      return schema.parse(JSON.parse(secretBox.open(document.secret)));
    } catch (error) {
      throw new Error(`the secrets of integration ${document._id} could not be opened`, { cause: error });
    }
  };
}
