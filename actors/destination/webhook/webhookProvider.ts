import { readWebhookSecrets, WEBHOOK_USUAL_RATE, type WebhookSettings } from "../../../store/index.ts";
import { createLoopPlanner } from "../loopPlanner.ts";
import type { DestinationLimits, DestinationProvider } from "../provider.ts";
import { createWebhookClient, type WebhookAnswer } from "./webhookClient.ts";
import { WEBHOOK_FACTS, type WebhookCall, webhookCalls } from "./webhookMessage.ts";
import { classifyWebhookAnswer } from "./webhookRetries.ts";
import { signatureOf } from "./webhookSigning.ts";

/**
 * One endpoint's limits: 50 deliveries a second at most unless it asks for more, 20 in flight
 * (each customer's still one after another), an answer within 15 s. The retry schedule is
 * webhookRetries.ts's; `maxMs` only caps its steps.
 */
export const WEBHOOK_LIMITS: DestinationLimits = {
  callsPerWindow: WEBHOOK_USUAL_RATE,
  windowMs: 1_000,
  concurrency: 20,
  windowSize: 500,
  windowsHandled: 2,
  flushDelayMs: 100,
  callTimeoutMs: 15_000,
  backoff: { baseMs: 5_000, maxMs: 20 * 60 * 60 * 1_000 },
};

/** Answers within this long keep an endpoint at its `maxPerSecond`: the deliveries in flight are sized for it. */
const USUAL_ANSWER_MS = 100;
const MOST_IN_FLIGHT = 500;

/**
 * An endpoint's own rate: its `maxPerSecond`, with enough deliveries in flight to reach it when it
 * answers within USUAL_ANSWER_MS, and windows of about a second of deliveries.
 */
export function webhookLimitsOf(settings: Pick<WebhookSettings, "maxPerSecond">): Partial<DestinationLimits> {
  const perSecond = settings.maxPerSecond ?? WEBHOOK_USUAL_RATE;
  return {
    callsPerWindow: perSecond,
    concurrency: Math.min(
      MOST_IN_FLIGHT,
      Math.max(WEBHOOK_LIMITS.concurrency, Math.ceil((perSecond * USUAL_ANSWER_MS) / 1_000)),
    ),
    windowSize: Math.max(WEBHOOK_LIMITS.windowSize, perSecond),
  };
}

export type WebhookProviderOptions = {
  /** MASIVO_ALLOW_LOCAL_DESTINATIONS: endpoints at 127.0.0.1 are reached too. */
  allowLocal: boolean;
};

/**
 * Signed webhooks, the Standard Webhooks way (docs/webhooks.md): one delivery per fact of the kinds
 * an endpoint picked, nothing of a customer who denied data sharing but their deletion. Each
 * endpoint is an integration of its own, so its own CHANGES consumer and limiter (`accountOf` is
 * its id): one that is slow, failing or gone holds up no other.
 */
export function createWebhookProvider(
  options: WebhookProviderOptions,
): DestinationProvider<WebhookSettings, Record<string, never>, WebhookCall, WebhookAnswer> {
  const consentPurpose = "dataSharing";
  return {
    kind: "webhook",
    name: "Webhook",
    consentPurpose,
    wants: WEBHOOK_FACTS,
    limits: WEBHOOK_LIMITS,
    limitsOf: webhookLimitsOf,
    accountOf: (integration) => integration._id,
    connect(integration, secret, { tuning }) {
      const secrets = readWebhookSecrets(secret);
      const client = createWebhookClient({
        url: integration.settings.url,
        timeoutMs: tuning.callTimeoutMs,
        allowLocal: options.allowLocal,
        sign: (call, at) => signatureOf(secrets, call.messageId, at, call.body),
      });
      const planner = createLoopPlanner<Record<string, never>, WebhookCall>({
        consentPurpose,
        wants: WEBHOOK_FACTS,
        map: (facts) => webhookCalls(facts, integration.settings),
        carried: (call) => [{ customerId: call.customers[0], item: call.type, factId: call.messageId, part: 0 }],
      });
      return {
        context: () => ({}),
        planner: {
          ...planner,
          async close() {
            client.close();
            await planner.close();
          },
        },
        send: (call, signal) => client.deliver(call, signal),
      };
    },
    classify: classifyWebhookAnswer,
  };
}
