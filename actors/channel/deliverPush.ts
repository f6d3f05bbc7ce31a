import type { Logger } from "pino";
import type { CommandPublisher } from "../../streams/index.ts";
import type { ChannelIntegrations } from "./channelIntegrations.ts";
import type { ProviderAnswer } from "./providerAnswer.ts";
import type { PushSender } from "./providers.ts";
import { isAnswer, renderSend, type TemplateVersionReader, targetOf } from "./renderSend.ts";
import type { ClaimedSend } from "./sendBatch.ts";

/** FCM's longest time to live, used when the template sets none: 4 weeks. */
const DEFAULT_TTL_SECONDS = 2_419_200;

export type PushDeliveryDependencies = {
  integrations: ChannelIntegrations<PushSender>;
  versions: TemplateVersionReader;
  /** Where a dead token's `device.unregister` goes: the customer's actor removes it. */
  commands: CommandPublisher;
  log: Logger;
};

/**
 * A push notification: one message per device the customer had when the send was decided, each
 * within the account's rate. A device whose token the provider calls dead is removed from the
 * customer (a `device.unregister` command through INGEST). The send is SENT when any device took
 * it; otherwise the most hopeful answer stands (settings wrong, then try again, then unknown),
 * and FAILED only when every device refused it for good.
 */
export function pushDelivery(deps: PushDeliveryDependencies) {
  return async (send: ClaimedSend): Promise<ProviderAnswer> => {
    const { metadata, data } = send.fact;
    const target = targetOf(send, "PUSH");
    if (isAnswer(target)) return target;
    const integration = await deps.integrations.of(metadata.account);
    if (!integration) return { kind: "failed", reason: "push is not configured for this account (configurePush)" };
    const rendered = await renderSend(send, "PUSH", deps.versions);
    if (isAnswer(rendered)) return rendered;
    const notification = {
      ...rendered.push,
      sendKey: data.sendKey,
      ttlSeconds: rendered.push.ttlSeconds ?? DEFAULT_TTL_SECONDS,
    };
    const devices = target.devices;
    const answers = await Promise.all(
      devices.map((device) => integration.call(() => integration.sender.send(notification, device))),
    );
    const dead = devices.filter((_, i) => answers[i]?.kind === "deadToken").map((device) => device.token);
    if (dead.length > 0) await unregister(dead, send, deps);
    return combined(answers);
  };
}

async function unregister(tokens: string[], send: ClaimedSend, deps: PushDeliveryDependencies) {
  const { account, customerId } = send.fact.metadata;
  deps.log.info({ account, customer: customerId, tokens: tokens.length }, "push tokens dead; removing them");
  await deps.commands.publish(
    tokens.map((token) => ({
      type: "device.unregister" as const,
      // One removal per token and send, however often the send is delivered again.
      id: { derived: `dead-token:${send.fact.data.sendKey}:${token}` },
      data: { token },
      metadata: { account, customerId },
    })),
  );
}

const HOPE: ProviderAnswer["kind"][] = ["sent", "misconfigured", "retry", "unknown", "failed", "deadToken"];

function combined(answers: ProviderAnswer[]): ProviderAnswer {
  const best = [...answers].sort((a, b) => HOPE.indexOf(a.kind) - HOPE.indexOf(b.kind))[0];
  if (!best) return { kind: "failed", reason: "no device to send to" };
  if (best.kind === "deadToken" || best.kind === "failed") {
    const reasons = [...new Set(answers.map((answer) => ("reason" in answer ? answer.reason : answer.kind)))];
    return { kind: "failed", reason: `every device refused it: ${reasons.join("; ")}` };
  }
  return best;
}
