import type { SendTarget, TemplateContent, TemplateVersion } from "../../model/index.ts";
import type { Templates } from "../../store/index.ts";
import { type RenderedMessage, renderMessage, SendVariablesError, templateVariablesOf } from "../../templates/index.ts";
import type { ProviderAnswer } from "./providerAnswer.ts";
import type { ClaimedSend } from "./sendBatch.ts";

/** A rendered message of one channel, by its content's `channel`. */
export type RenderedFor<C extends TemplateContent["channel"]> = Extract<RenderedMessage, { channel: C }>;

/** Template versions never change once created: each is read once per worker (a bounded number kept). */
export function templateVersions(templates: Templates, keep = 1_000) {
  const known = new Map<string, Promise<TemplateVersion | undefined>>();
  return (account: string, templateId: string, version: number) => {
    const key = `${account}\u0000${templateId}\u0000${version}`;
    let found = known.get(key);
    if (!found) {
      found = templates.version(account, templateId, version).catch((error: unknown) => {
        known.delete(key);
        throw error;
      });
      if (known.size >= keep) known.delete(known.keys().next().value as string);
      known.set(key, found);
    }
    return found;
  };
}
export type TemplateVersionReader = ReturnType<typeof templateVersions>;

/**
 * The send's pinned template version rendered with what the actor decided (the customer as it
 * was, the send's variables), or the FAILED answer naming what went wrong: a template gone, a
 * variable missing, a channel that does not match. Never half a message.
 */
export async function renderSend<C extends TemplateContent["channel"]>(
  send: ClaimedSend,
  channel: C,
  versions: TemplateVersionReader,
  unsubscribeUrl?: string,
): Promise<RenderedFor<C> | ProviderAnswer> {
  const { metadata, data } = send.fact;
  const version = await versions(metadata.account, data.templateId, data.templateVersion);
  if (!version) {
    return { kind: "failed", reason: `template ${data.templateId} version ${data.templateVersion} does not exist` };
  }
  if (version.content.channel !== channel) {
    return {
      kind: "failed",
      reason: `template ${data.templateId} is a ${version.content.channel} template, not ${channel}`,
    };
  }
  let variables: ReturnType<typeof templateVariablesOf>;
  try {
    variables = templateVariablesOf(data.customer, data.variables, unsubscribeUrl);
  } catch (error) {
    if (error instanceof SendVariablesError) return { kind: "failed", reason: error.message };
    throw error;
  }
  const rendered = renderMessage(version, variables);
  if (!rendered.ok) return { kind: "failed", reason: `template: ${rendered.error}` };
  return rendered.message as RenderedFor<C>;
}

/**
 * Where a queued send of `channel` goes, as the actor decided it; a FAILED answer for a send that
 * reached the wrong channel's workers or was never queued (neither happens unless MESSAGES was
 * written by something else).
 */
export function targetOf<C extends SendTarget["channel"]>(
  send: ClaimedSend,
  channel: C,
): Extract<SendTarget, { channel: C }> | ProviderAnswer {
  const { decision } = send.fact.data;
  if (decision.status === "QUEUED" && decision.target.channel === channel) {
    return decision.target as Extract<SendTarget, { channel: C }>;
  }
  return { kind: "failed", reason: `a ${channel} send decided without a ${channel} target` };
}

export function isAnswer(value: object): value is ProviderAnswer {
  return "kind" in value;
}
