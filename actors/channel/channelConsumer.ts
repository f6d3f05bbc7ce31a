import { AckPolicy, DeliverPolicy, type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { CHANNEL_SUBJECT_TOKENS, type Channel } from "../../model/index.ts";
import { decodeFact, type NatsLink, pullBytes, STREAM_NAMES, subjects } from "../../streams/index.ts";
import type { DecidedSendFact, MessageVerdict } from "./sendBatch.ts";

export type ChannelConsumerOptions = {
  link: NatsLink;
  channel: Channel;
  /** Messages fetched at once. */
  batchSize: number;
  /** Batches handled at once, each fetched on its own. */
  concurrency: number;
  /** How long a message handed out stays with its worker without news (kept alive while it works). */
  ackWaitMs: number;
  handle: (facts: DecidedSendFact[]) => Promise<MessageVerdict[]>;
  log: Logger;
};

export type ChannelConsumer = { stop: () => Promise<void> };

/** The durable consumer of one channel's sends, shared by every `channels` process. */
export function channelConsumerName(channel: Channel): string {
  return `channel_${CHANNEL_SUBJECT_TOKENS[channel]}`;
}

const KEEP_ALIVE_DIVISOR = 3;
const PAUSE_AFTER_FAILURE_MS = 1_000;

/**
 * Reads one channel's MESSAGES (`msg.*.<channel>`: every account's) in batches, each handled
 * whole: its messages acked, or handed back with a delay, as the handler says. A message that
 * cannot be read is terminated (it is logged; MESSAGES is written by Masivo alone). A batch whose
 * handling fails is handed back after a pause, to be handled again: the ledger keeps that from
 * sending anything twice.
 */
export async function startChannelConsumer(options: ChannelConsumerOptions): Promise<ChannelConsumer> {
  const name = channelConsumerName(options.channel);
  const jsm = await jetstreamManager(options.link.nc);
  const config = {
    durable_name: name,
    filter_subject: subjects.messageChannelFilter(CHANNEL_SUBJECT_TOKENS[options.channel]),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: options.ackWaitMs * 1_000_000,
    max_ack_pending: options.batchSize * options.concurrency * 4,
    max_deliver: -1,
  };
  await jsm.consumers.add(STREAM_NAMES.messages, config);
  const { config: current } = await jsm.consumers.info(STREAM_NAMES.messages, name);
  if (current.ack_wait !== config.ack_wait || current.max_ack_pending !== config.max_ack_pending) {
    await jsm.consumers.update(STREAM_NAMES.messages, name, {
      ack_wait: config.ack_wait,
      max_ack_pending: config.max_ack_pending,
    });
  }
  const consumer = await jetstream(options.link.nc).consumers.get(STREAM_NAMES.messages, name);
  let stopping = false;

  const handleBatch = async (messages: JsMsg[]) => {
    const readable: { message: JsMsg; fact: DecidedSendFact }[] = [];
    for (const message of messages) {
      try {
        const fact = decodeFact(message.data);
        if (fact.type !== "send.decided") throw new Error(`a ${fact.type} fact on MESSAGES`);
        readable.push({ message, fact });
      } catch (error) {
        options.log.error({ err: error, seq: message.seq, subject: message.subject }, "unreadable send; terminated");
        message.term("unreadable");
      }
    }
    if (readable.length === 0) return;
    const keepAlive = setInterval(
      () => {
        for (const { message } of readable) message.working();
      },
      Math.max(100, options.ackWaitMs / KEEP_ALIVE_DIVISOR),
    );
    try {
      const verdicts = await options.handle(readable.map(({ fact }) => fact));
      readable.forEach(({ message }, i) => {
        const verdict = verdicts[i];
        if (verdict?.kind === "nak") message.nak(verdict.delayMs);
        else message.ack();
      });
    } catch (error) {
      for (const { message } of readable) message.nak(PAUSE_AFTER_FAILURE_MS);
      throw error;
    } finally {
      clearInterval(keepAlive);
    }
  };

  // One subscription feeds every loop: a loop takes what has arrived (up to a batch) as soon as
  // anything has, so a lone send waits for no batch to fill.
  const arrivals = await consumer.consume({ max_bytes: pullBytes(options.link.nc) });
  const arrived: JsMsg[] = [];
  const waiting: (() => void)[] = [];
  const wakeAll = () => {
    for (const wake of waiting.splice(0)) wake();
  };
  const receiving = (async () => {
    for await (const message of arrivals) {
      arrived.push(message);
      waiting.shift()?.();
    }
    wakeAll();
  })();
  const loop = async () => {
    while (!stopping) {
      if (arrived.length === 0) {
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      try {
        await handleBatch(arrived.splice(0, options.batchSize));
      } catch (error) {
        if (stopping) break;
        options.log.error({ err: error, channel: options.channel }, "channel batch failed; handed back");
        await new Promise((resolve) => setTimeout(resolve, PAUSE_AFTER_FAILURE_MS));
      }
      // More may have come while this batch was handled, with every other loop asleep.
      if (arrived.length > 0) waiting.shift()?.();
    }
  };
  const running = Promise.all(Array.from({ length: options.concurrency }, loop));
  return {
    async stop() {
      stopping = true;
      await arrivals.close();
      wakeAll();
      await running;
      await receiving;
      // Fetched but never handled: handed back at once for another process to take.
      for (const message of arrived.splice(0)) message.nak();
    },
  };
}
