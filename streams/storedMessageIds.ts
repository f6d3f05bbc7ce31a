import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { JetStreamApiError, type JetStreamClient } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { DUPLICATE_IN_BATCH, type IdentifiedMessage, TOO_MANY_BATCHES } from "./atomicPublish.ts";

/** JetStream's error code for a publish whose expected last message id is not the stream's. */
const WRONG_LAST_MSG_ID = 10070;

/** JetStream's error code for a publish whose expected last stream sequence is not the stream's. */
const WRONG_LAST_SEQUENCE = 10071;

/** No message ever has this id: ours start with an account id, which cannot start with `:`. */
const NO_SUCH_MSG_ID = ":none";

/** No stream ever reaches this sequence (the largest unsigned 64-bit number). */
const NO_SUCH_SEQUENCE = "18446744073709551615";

/**
 * Probes a replicated stream keeps in flight at once: each is an atomic batch, and the stream holds
 * at most 50 of those open, shared with the publishers' own.
 */
const BATCH_PROBES_IN_FLIGHT = 8;

/**
 * The ids, among these messages', that `stream` holds already (within its duplicate window),
 * found without storing anything. The way of asking depends on the stream's replicas, read from
 * its info at each call (a stream's replicas can change while Masivo runs).
 *
 * Without replicas, each id is published with an empty payload and an expected last message id no
 * message has: JetStream looks the id up first and answers a known one as a duplicate, without
 * checking the expectation; an unknown one then fails the expectation, so it is not stored either,
 * and leaves no trace (under 0.1 ms an id on the development machine).
 *
 * With replicas, that way fails: a replicated stream holds an id as "in process" from its proposal
 * until it is stored, and one never stored until its duplicate window passes, so an unknown id
 * asked about would be refused (10158) for hours. There, each id is asked with an atomic batch of
 * one message expecting a stream sequence none reaches: the batch is checked before any proposal,
 * a known id refuses it as a duplicate (DUPLICATE_IN_BATCH), an unknown one fails the expectation.
 * On a stream without replicas batches are staged on disk (3.5 ms an id), hence the two ways.
 */
export async function storedMessageIds(
  js: JetStreamClient,
  stream: string,
  messages: readonly IdentifiedMessage[],
  timeoutMs: number,
): Promise<Set<string>> {
  const jsm = await js.jetstreamManager(false);
  const replicas = (await jsm.streams.info(stream)).config.num_replicas;
  const held =
    replicas > 1
      ? await inGroups(messages, BATCH_PROBES_IN_FLIGHT, (message) => heldByBatchProbe(js, message, timeoutMs))
      : await Promise.all(messages.map((message) => heldByPublishProbe(js, message, timeoutMs)));
  return new Set(messages.filter((_, index) => held[index]).map(({ msgId }) => msgId));
}

async function heldByPublishProbe(js: JetStreamClient, { subject, msgId }: IdentifiedMessage, timeoutMs: number) {
  try {
    const ack = await js.publish(subject, undefined, {
      msgID: msgId,
      expect: { lastMsgID: NO_SUCH_MSG_ID },
      timeout: timeoutMs,
    });
    if (!ack.duplicate) throw new Error(`the probe for message id ${msgId} was stored as ${ack.stream} #${ack.seq}`);
    return true;
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === WRONG_LAST_MSG_ID) return false;
    throw error;
  }
}

async function heldByBatchProbe(
  js: JetStreamClient,
  { subject, msgId }: IdentifiedMessage,
  timeoutMs: number,
): Promise<boolean> {
  const probe = headers();
  probe.set("Nats-Msg-Id", msgId);
  probe.set("Nats-Batch-Id", randomUUID());
  probe.set("Nats-Batch-Sequence", "1");
  probe.set("Nats-Batch-Commit", "1");
  probe.set("Nats-Expected-Last-Sequence", NO_SUCH_SEQUENCE);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const ack = await js.publish(subject, undefined, { headers: probe, timeout: timeoutMs });
      throw new Error(`the probe for message id ${msgId} was stored as ${ack.stream} #${ack.seq}`);
    } catch (error) {
      if (!(error instanceof JetStreamApiError)) throw error;
      if (error.code === DUPLICATE_IN_BATCH) return true;
      if (error.code === WRONG_LAST_SEQUENCE) return false;
      // Other batches fill the stream's slots for a moment: ask again once one has ended.
      if (error.code !== TOO_MANY_BATCHES || Date.now() > deadline) throw error;
      await sleep(10 + Math.random() * 40);
    }
  }
}

/** Runs `ask` on every item, at most `width` at once, and returns the answers in the items' order. */
async function inGroups<T, R>(items: readonly T[], width: number, ask: (item: T) => Promise<R>): Promise<R[]> {
  const answers: R[] = [];
  for (let start = 0; start < items.length; start += width) {
    answers.push(...(await Promise.all(items.slice(start, start + width).map(ask))));
  }
  return answers;
}
