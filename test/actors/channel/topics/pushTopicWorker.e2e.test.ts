import { jetstreamManager } from "@nats-io/jetstream";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  PUSH_TOPIC_CONSUMER,
  type PushTopicWorker,
  startPushTopicWorker,
} from "../../../../actors/channel/topics/pushTopicWorker.ts";
import type {
  PushTopicRegistry,
  TopicAction,
  TopicTokenAnswer,
} from "../../../../actors/channel/topics/topicRegistry.ts";
import type { CustomerFact } from "../../../../model/index.ts";
import {
  connectNats,
  createCommandPublisher,
  createFactPublisher,
  decodeCommand,
  ensureStreams,
  type FactPublisher,
  type NatsLink,
  STREAM_NAMES,
} from "../../../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../../../support/privateNats.ts";
import { readStream, waitFor } from "../../../support/streamReader.ts";
import { uniqueId } from "../../../support/world.ts";

const log = pino({ level: "silent" });
let nats: PrivateNats;
let link: NatsLink;
let facts: FactPublisher;
let worker: PushTopicWorker;
let seq = 0;

type Call = { account: string; audienceId: string; action: TopicAction; tokens: string[] };
const calls: Call[] = [];
/** What the registry answers for a token, per call, in order (the last one repeats); "subscribed" when unscripted. */
const script = new Map<string, TopicTokenAnswer[]>();

const answerOf = (token: string): TopicTokenAnswer => {
  const answers = script.get(token);
  return (answers && answers.length > 1 ? answers.shift() : answers?.[0]) ?? "subscribed";
};
const registry: PushTopicRegistry = {
  add: async (account, audienceId, tokens) => {
    calls.push({ account, audienceId, action: "add", tokens });
    return tokens.map(answerOf);
  },
  remove: async (account, audienceId, tokens) => {
    calls.push({ account, audienceId, action: "remove", tokens });
    return tokens.map(answerOf);
  },
};

/** Publishes a customer's topic change to MESSAGES, as its actor does. */
async function changed(account: string, customerId: string, data: { subscribe?: string[]; unsubscribe?: string[] }) {
  seq += 1;
  const fact: CustomerFact = {
    type: "pushTopic.changed",
    data: { audienceId: "aud-1", subscribe: data.subscribe ?? [], unsubscribe: data.unsubscribe ?? [] },
    metadata: { account, customerId, factId: `${account}:${seq}:0`, at: new Date().toISOString(), sourceSeq: seq },
  };
  return facts.prepare(fact);
}

/** Resolves once the worker acked everything published. */
const allAcked = () =>
  waitFor("every change acked", async () => {
    const info = await (await jetstreamManager(link.nc)).consumers.info(STREAM_NAMES.messages, PUSH_TOPIC_CONSUMER);
    return info.num_pending === 0 && info.num_ack_pending === 0 ? true : undefined;
  });

const tokensOf = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

beforeAll(async () => {
  nats = await startPrivateNats();
  link = await connectNats(nats.url, "push-topic-test");
  await ensureStreams(link.nc, 4);
  facts = createFactPublisher(link);
  const commands = createCommandPublisher({ link, partitions: 4 });
  worker = await startPushTopicWorker({ link, registry, commands, log, windowMs: 500 });
});

afterAll(async () => {
  await worker?.stop();
  await link?.close();
  await nats?.close();
});

beforeEach(() => {
  calls.length = 0;
  script.clear();
});

describe("the push topic worker", () => {
  it("puts three customers' tokens in the topic with one call, and acks their changes", async () => {
    const account = uniqueId("acct");
    await facts.publish([
      await changed(account, "c1", { subscribe: ["a1", "a2"] }),
      await changed(account, "c2", { subscribe: ["b1"] }),
      await changed(account, "c3", { subscribe: ["c1"] }),
    ]);
    await allAcked();
    expect(calls).toEqual([{ account, audienceId: "aud-1", action: "add", tokens: ["a1", "a2", "b1", "c1"] }]);
  });

  it("cuts 2,500 tokens into calls of at most 1,000", async () => {
    const account = uniqueId("acct");
    const prepared = await Promise.all(
      Array.from({ length: 125 }, (_, i) => changed(account, `c${i}`, { subscribe: tokensOf(`t${i}`, 20) })),
    );
    await facts.publish(prepared);
    await allAcked();
    expect(calls.map((call) => call.tokens.length)).toEqual([1_000, 1_000, 500]);
    expect(new Set(calls.flatMap((call) => call.tokens)).size).toBe(2_500);
  });

  it("calls adds and removals apart, and removes a dead token from its customer through INGEST", async () => {
    const account = uniqueId("acct");
    script.set("dead", ["deadToken"]);
    await facts.publish([await changed(account, "c1", { subscribe: ["dead", "alive"], unsubscribe: ["old"] })]);
    await allAcked();
    expect(calls.map(({ action, tokens }) => ({ action, tokens }))).toEqual([
      { action: "add", tokens: ["dead", "alive"] },
      { action: "remove", tokens: ["old"] },
    ]);
    const commands = (await readStream(link, STREAM_NAMES.ingest, `in.${account}.>`)).map((m) => decodeCommand(m.data));
    expect(commands.map(({ type, data, metadata }) => ({ type, data, customerId: metadata.customerId }))).toEqual([
      { type: "device.unregister", data: { token: "dead" }, customerId: "c1" },
    ]);
  });

  it("hands a change with a token to try again back, and acks it once the token is through", async () => {
    const account = uniqueId("acct");
    script.set("busy", ["retry", "subscribed"]);
    await facts.publish([await changed(account, "c1", { subscribe: ["busy"] })]);
    await waitFor("a second call", async () => (calls.length >= 2 ? true : undefined));
    await allAcked();
    expect(calls.map((call) => call.tokens)).toEqual([["busy"], ["busy"]]);
  });
});
