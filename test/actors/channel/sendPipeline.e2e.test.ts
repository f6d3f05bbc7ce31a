import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChannelConsumer, startChannelConsumer } from "../../../actors/channel/channelConsumer.ts";
import type { ProviderAnswer } from "../../../actors/channel/providerAnswer.ts";
import { type ClaimedSend, type DecidedSendFact, handleSendBatch } from "../../../actors/channel/sendBatch.ts";
import type { Channel, CustomerFact, SendDecision } from "../../../model/index.ts";
import { connectStore, type Sends, type Store, sendsOf } from "../../../store/index.ts";
import {
  connectNats,
  createFactPublisher,
  decodeFact,
  ensureStreams,
  type FactPublisher,
  type NatsLink,
  STREAM_NAMES,
} from "../../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { readStream, waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, uniqueId } from "../../support/world.ts";

const log = pino({ level: "silent" });
const STALE_MS = 300;
let nats: PrivateNats;
let link: NatsLink;
let store: Store;
let sends: Sends;
let facts: FactPublisher;
const account = uniqueId("acct");
let seq = 0;

/** What the scripted provider answers, per send key, in order (the last one repeats); "sent" when unscripted. */
const script = new Map<string, ProviderAnswer[]>();
const delivered: ClaimedSend[] = [];
const misconfigured: string[] = [];

function deliver(send: ClaimedSend): Promise<ProviderAnswer> {
  delivered.push(send);
  const answers = script.get(send.fact.data.sendKey);
  const answer = answers && answers.length > 1 ? answers.shift() : answers?.[0];
  return Promise.resolve(answer ?? { kind: "sent", providerMessageId: `p-${send.fact.data.sendKey}` });
}

const consumers: ChannelConsumer[] = [];
const inHand = new Set<string>();
async function run(channel: Channel) {
  const consumer = await startChannelConsumer({
    link,
    channel,
    batchSize: 50,
    concurrency: 2,
    ackWaitMs: 5_000,
    log,
    handle: (batch) =>
      handleSendBatch(batch, {
        channel,
        sends,
        claim: `worker-${channel}`,
        inHand,
        staleAfterMs: STALE_MS,
        deliver,
        misconfigured: async (_account, reason) => {
          misconfigured.push(reason);
        },
        publish: (told) => facts.publish(told.map((fact) => facts.prepare(fact))),
        now: () => new Date(),
        log,
      }),
  });
  consumers.push(consumer);
}

/** Publishes one decided send to MESSAGES, as the customer actor does (a fresh id: as a replay beyond JetStream's window would). */
async function decided(key: string, channel: Channel, decision?: SendDecision): Promise<DecidedSendFact> {
  seq += 1;
  const fact: DecidedSendFact = {
    type: "send.decided",
    data: {
      sendKey: key,
      channel,
      category: "MARKETING",
      templateId: "tpl",
      templateVersion: 1,
      source: "api",
      variables: {},
      customer: { customerId: "c1", attributes: {} },
      decidedAt: new Date().toISOString(),
      decision: decision ?? { status: "QUEUED", target: { channel: "IN_APP" } },
    },
    metadata: {
      account,
      customerId: "c1",
      factId: `${account}:${seq}:0`,
      at: new Date().toISOString(),
      sourceSeq: seq,
    },
  };
  await facts.publish([facts.prepare(fact)]);
  return fact;
}

const entry = (key: string) => sends.get(account, key);
const final = (key: string) =>
  waitFor(`send ${key} final`, async () => {
    const found = await entry(key);
    return found && !["QUEUED", "SENDING"].includes(found.status) ? found : undefined;
  });
const deliveriesOf = (key: string) => delivered.filter((send) => send.fact.data.sendKey === key).length;

async function recordedFacts(): Promise<CustomerFact[]> {
  const messages = await readStream(link, STREAM_NAMES.changes, `chg.${account}.message`);
  return messages.map((message) => decodeFact(message.data));
}

beforeAll(async () => {
  nats = await startPrivateNats();
  link = await connectNats(nats.url, "channel-test");
  await ensureStreams(link.nc, 4);
  store = await connectStore(isolatedMongoUrl(uniqueId("db")));
  sends = sendsOf(store);
  facts = createFactPublisher(link);
  await run("IN_APP");
  await run("WHATSAPP");
  await run("EMAIL");
});

afterAll(async () => {
  for (const consumer of consumers) await consumer.stop();
  await link?.close();
  await store?.close();
  await nats?.close();
});

describe("the send pipeline", () => {
  it("delivers a queued send once, records it SENT and tells CHANGES; a suppressed one is recorded, never delivered", async () => {
    await decided("a1", "IN_APP");
    await decided("s1", "IN_APP", { status: "SUPPRESSED", reason: "NO_CONSENT" });
    expect(await final("a1")).toMatchObject({ status: "SENT", providerMessageId: "p-a1", attempts: 1 });
    expect(await final("s1")).toMatchObject({ status: "SUPPRESSED", reason: "NO_CONSENT", attempts: 0 });
    expect(deliveriesOf("a1")).toBe(1);
    expect(deliveriesOf("s1")).toBe(0);
    const told = await waitFor("both facts", async () => {
      const found = (await recordedFacts()).filter((fact) => fact.type === "message.recorded");
      return found.length >= 2 ? found : undefined;
    });
    expect(told.map((fact) => fact.type === "message.recorded" && [fact.data.sendKey, fact.data.status])).toEqual(
      expect.arrayContaining([
        ["a1", "SENT"],
        ["s1", "SUPPRESSED"],
      ]),
    );
  });

  it("does not deliver a send again when it is decided again under another id (a replay past JetStream's window)", async () => {
    await decided("r1", "IN_APP");
    await final("r1");
    await decided("r1", "IN_APP");
    await decided("after-r1", "IN_APP");
    // The consumer reads in order: once the later send is final, the replayed one was handled.
    await final("after-r1");
    expect(deliveriesOf("r1")).toBe(1);
  });

  it("tries a retryable answer again, and gives up on a permanent one without trying again", async () => {
    script.set("t1", [{ kind: "retry", reason: "429", afterMs: 50 }, { kind: "sent" }]);
    script.set("f1", [{ kind: "failed", reason: "131047: outside the window" }]);
    await decided("t1", "IN_APP");
    await decided("f1", "WHATSAPP", { status: "QUEUED", target: { channel: "WHATSAPP", phone: "+34600000000" } });
    expect(await final("t1")).toMatchObject({ status: "SENT", attempts: 2 });
    expect(await final("f1")).toMatchObject({ status: "FAILED", reason: "131047: outside the window", attempts: 1 });
    expect(deliveriesOf("t1")).toBe(2);
    expect(deliveriesOf("f1")).toBe(1);
  });

  it("holds sends while the channel is misconfigured, keeping them queued", async () => {
    script.set("m1", [{ kind: "misconfigured", reason: "535 authentication failed" }, { kind: "sent" }]);
    await decided("m1", "IN_APP");
    await waitFor("the hold", async () => (misconfigured.includes("535 authentication failed") ? true : undefined));
    expect(await entry("m1")).toMatchObject({ status: "QUEUED", reason: "535 authentication failed" });
  });

  it("on an unknown outcome: email goes again once with the same send, WhatsApp never (UNKNOWN)", async () => {
    script.set("e1", [{ kind: "unknown", reason: "timeout" }]);
    script.set("w1", [{ kind: "unknown", reason: "timeout" }]);
    await decided("e1", "EMAIL", { status: "QUEUED", target: { channel: "EMAIL", email: "a@example.com" } });
    await decided("w1", "WHATSAPP", { status: "QUEUED", target: { channel: "WHATSAPP", phone: "+34600000000" } });
    expect(await final("e1")).toMatchObject({ status: "UNKNOWN", attempts: 2, unknownOutcomes: 1 });
    expect(await final("w1")).toMatchObject({ status: "UNKNOWN", attempts: 1 });
    expect(deliveriesOf("e1")).toBe(2);
    expect(deliveriesOf("w1")).toBe(1);
  });

  /** A send as a worker left it: recorded QUEUED, held by `holder` since `claimedAt`, one attempt made. */
  async function held(key: string, channel: Channel, holder: string, claimedAt: Date) {
    const recorded = await sends.record(
      [
        {
          account,
          customerId: "c1",
          sendKey: key,
          channel,
          category: "MARKETING",
          templateId: "tpl",
          templateVersion: 1,
          source: "api",
          status: "QUEUED",
          createdAt: claimedAt,
        },
      ],
      claimedAt,
    );
    await sends.claim([...recorded.values()], holder, { staleBefore: new Date(0), alive: () => true }, claimedAt);
  }

  it("takes over a send whose worker died while calling: in-app goes again, WhatsApp is UNKNOWN, never sent twice", async () => {
    // As a worker killed mid-call leaves them: claimed, never finished.
    const longAgo = new Date(Date.now() - 60_000);
    await held("d-inapp", "IN_APP", "dead-worker", longAgo);
    await held("d-wa", "WHATSAPP", "dead-worker", longAgo);
    await decided("d-inapp", "IN_APP");
    await decided("d-wa", "WHATSAPP", { status: "QUEUED", target: { channel: "WHATSAPP", phone: "+34600000000" } });
    expect(await final("d-inapp")).toMatchObject({ status: "SENT", attempts: 2, unknownOutcomes: 1 });
    expect(await final("d-wa")).toMatchObject({ status: "UNKNOWN", attempts: 2 });
    expect(deliveriesOf("d-inapp")).toBe(1);
    expect(deliveriesOf("d-wa")).toBe(0);
  });

  it("never takes over a send one of its own batches holds, however late that batch renews its claim", async () => {
    // As a slow store leaves a live batch's claim: older than a takeover allows.
    inHand.add("worker-IN_APP:slow-batch");
    await held("mine", "IN_APP", "worker-IN_APP:slow-batch", new Date(Date.now() - 60_000));
    await decided("mine", "IN_APP");
    await decided("after-mine", "IN_APP");
    await final("after-mine");
    expect(await entry("mine")).toMatchObject({ status: "QUEUED", attempts: 0 });
    expect(deliveriesOf("mine")).toBe(0);
    // Once that batch is over without finishing it, the send is taken over like a dead worker's.
    inHand.delete("worker-IN_APP:slow-batch");
    expect(await final("mine")).toMatchObject({ status: "SENT", attempts: 2, unknownOutcomes: 1 });
    expect(deliveriesOf("mine")).toBe(1);
  });

  it("leaves a send another live worker holds to that worker", async () => {
    await held("busy", "IN_APP", "live-worker", new Date(Date.now() + 60_000));
    await decided("busy", "IN_APP");
    await decided("after-busy", "IN_APP");
    await final("after-busy");
    expect(await entry("busy")).toMatchObject({ status: "QUEUED", attempts: 0 });
    expect(deliveriesOf("busy")).toBe(0);
  });
});
