import type { PushSecrets, PushSettings } from "../../../model/index.ts";
import {
  type ChannelIntegrationDocument,
  type Integrations,
  openChannelConfig,
  type SecretBox,
  type Templates,
} from "../../../store/index.ts";
import { renderMessage, SendVariablesError, sharedVariablesOf } from "../../../templates/index.ts";
import type { ProviderAnswer } from "../providerAnswer.ts";
import { fcmTopicName } from "./fcmTopicName.ts";
import { createPushTopics, type PushTopicsOptions } from "./pushTopics.ts";

/** FCM's longest time to live, used when the template sets none: 4 weeks (as for a send to devices). */
const DEFAULT_TTL_SECONDS = 2_419_200;

export type TopicMessage = {
  account: string;
  audienceId: string;
  templateId: string;
  templateVersion: number;
  /** The collapse id is derived from it: a message sent again replaces the first on the device. */
  sendKey: string;
  /** `campaign`, `audience`: what the template may read; there is no customer. */
  variables: Record<string, unknown>;
};

export type TopicMessageDependencies = {
  integrations: Integrations;
  templates: Templates;
  secrets: SecretBox;
  options?: PushTopicsOptions;
};

/**
 * One FCM message to the topic of an audience (docs/channels.md, "Push topics"): every device its
 * members subscribed receives it. The pinned template version is rendered with no customer (a
 * template reading one fails, naming it); the account's push integration sends it.
 */
export async function sendTopicMessage(message: TopicMessage, deps: TopicMessageDependencies): Promise<ProviderAnswer> {
  const document = await deps.integrations.channelIntegration(message.account, "push");
  if (!document) return { kind: "failed", reason: "push is not configured for this account (configurePush)" };
  const config = openChannelConfig(document as ChannelIntegrationDocument, deps.secrets) as {
    settings: PushSettings;
    secrets: PushSecrets;
  };
  const version = await deps.templates.version(message.account, message.templateId, message.templateVersion);
  if (!version) {
    return {
      kind: "failed",
      reason: `template ${message.templateId} version ${message.templateVersion} does not exist`,
    };
  }
  let variables: ReturnType<typeof sharedVariablesOf>;
  try {
    variables = sharedVariablesOf(message.variables);
  } catch (error) {
    if (error instanceof SendVariablesError) return { kind: "failed", reason: error.message };
    throw error;
  }
  const rendered = renderMessage(version, variables);
  if (!rendered.ok) return { kind: "failed", reason: `template: ${rendered.error}` };
  if (rendered.message.channel !== "PUSH") {
    return {
      kind: "failed",
      reason: `template ${message.templateId} is a ${rendered.message.channel} template, not PUSH`,
    };
  }
  const { push } = rendered.message;
  const notification = { ...push, sendKey: message.sendKey, ttlSeconds: push.ttlSeconds ?? DEFAULT_TTL_SECONDS };
  const topics = createPushTopics(config.settings, config.secrets, deps.options);
  return topics.sendTopicMessage(fcmTopicName(message.account, message.audienceId), notification);
}
