import { AckPolicy, DeliverPolicy, type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { FactOf } from "../../../model/index.ts";
import { type CommandPublisher, decodeFact, type NatsLink, STREAM_NAMES, subjects } from "../../../streams/index.ts";
import { deliverTopicBatch, type TopicPartOutcome } from "./deliverTopicBatch.ts";
import { createTopicBatcher, type TopicPart } from "./topicBatcher.ts";
import { type PushTopicRegistry, TOPIC_CALL_MAX_TOKENS } from "./topicRegistry.ts";

export type PushTopicWorkerOptions = {
  link: NatsLink;
  registry: PushTopicRegistry;
  commands: CommandPublisher;
  log: Logger;
  /** How long a topic change waits for others to share its call; default 200 ms. */
  windowMs?: number;
};

export type PushTopicWorker = { stop: () => Promise<void> };

/** The durable consumer of push topic changes, shared by every `channels` process. */
export const PUSH_TOPIC_CONSUMER = "push_topics";

const ACK_WAIT_MS = 60_000;
/** Changes handed out at once: enough to fill several calls while others are in flight. */
const MAX_ACK_PENDING = 10_000;
/** How long a change with a token to try again waits before it is delivered again. */
const RETRY_DELAY_MS = 5_000;

/** A part of a message, settling its message once every part of it is through. */
type SettledPart = TopicPart & { settle: (outcome: TopicPartOutcome) => void };

/**
 * Carries out the topic changes the customer actors decided (MESSAGES `msg.*.pushtopic`): each
 * change is cut into parts (subscribe, unsubscribe), parts of many customers share a call per
 * (account, audience, action), and a change is acked once every part of it went through, or
 * handed back with a delay when any part is to be tried again. Adding and removing tokens are
 * idempotent at FCM, so a change done twice does no harm.
 */
export async function startPushTopicWorker(options: PushTopicWorkerOptions): Promise<PushTopicWorker> {
  const jsm = await jetstreamManager(options.link.nc);
  await jsm.consumers.add(STREAM_NAMES.messages, {
    durable_name: PUSH_TOPIC_CONSUMER,
    filter_subject: subjects.pushTopicChangeFilter,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ACK_WAIT_MS * 1_000_000,
    max_ack_pending: MAX_ACK_PENDING,
    max_deliver: -1,
  });
  const consumer = await jetstream(options.link.nc).consumers.get(STREAM_NAMES.messages, PUSH_TOPIC_CONSUMER);
  const batcher = createTopicBatcher<SettledPart>({
    windowMs: options.windowMs ?? 200,
    flush: async (batch) => {
      const outcomes = await deliverTopicBatch(batch, options).catch((error: unknown) => {
        options.log.error({ err: error, audience: batch.audienceId }, "topic batch failed; handed back");
        return batch.parts.map((): TopicPartOutcome => "retry");
      });
      batch.parts.forEach((part, i) => {
        part.settle(outcomes[i] ?? "retry");
      });
    },
  });
  const arrivals = await consumer.consume({ max_messages: TOPIC_CALL_MAX_TOKENS });
  const receiving = (async () => {
    for await (const message of arrivals) {
      const change = readChange(message, options.log);
      if (change) for (const part of settledParts(change, message)) batcher.add(part);
    }
  })();
  return {
    async stop() {
      await arrivals.close();
      await receiving;
      await batcher.drain();
    },
  };
}

function readChange(message: JsMsg, log: Logger): FactOf<"pushTopic.changed"> | undefined {
  try {
    const fact = decodeFact(message.data);
    if (fact.type !== "pushTopic.changed") throw new Error(`a ${fact.type} fact on ${message.subject}`);
    return fact;
  } catch (error) {
    // MESSAGES is written by Masivo alone: what cannot be read now never will be.
    log.error({ err: error, seq: message.seq, subject: message.subject }, "unreadable topic change; terminated");
    message.term("unreadable");
    return undefined;
  }
}

/** A change's parts, each within one call, settling the message once all of them are through. */
function settledParts(change: FactOf<"pushTopic.changed">, message: JsMsg): SettledPart[] {
  const { account, customerId, factId } = change.metadata;
  const { audienceId, subscribe, unsubscribe } = change.data;
  const parts = [
    ...chunks(subscribe).map((tokens) => ({ action: "add" as const, tokens })),
    ...chunks(unsubscribe).map((tokens) => ({ action: "remove" as const, tokens })),
  ];
  if (parts.length === 0) {
    message.ack();
    return [];
  }
  let left = parts.length;
  let retry = false;
  const settle = (outcome: TopicPartOutcome) => {
    left -= 1;
    retry ||= outcome === "retry";
    if (left > 0) return;
    if (retry) message.nak(RETRY_DELAY_MS);
    else message.ack();
  };
  return parts.map(({ action, tokens }) => ({ account, audienceId, action, customerId, tokens, factId, settle }));
}

function chunks(tokens: string[]): string[][] {
  const cut: string[][] = [];
  for (let start = 0; start < tokens.length; start += TOPIC_CALL_MAX_TOKENS) {
    cut.push(tokens.slice(start, start + TOPIC_CALL_MAX_TOKENS));
  }
  return cut;
}
