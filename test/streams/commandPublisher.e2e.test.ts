import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestCommandDraft } from "../../model/index.ts";
import {
  type CommandPublisher,
  commandMessageId,
  connectNats,
  createCommandPublisher,
  decodeCommand,
  ensureStreams,
  type NatsLink,
  partitionOf,
  STREAM_NAMES,
  subjects,
  UnavailableError,
} from "../../streams/index.ts";
import { storedMessageIds } from "../../streams/storedMessageIds.ts";
import { type CuttableProxy, startCuttableProxy } from "../support/cuttableProxy.ts";
import { type PrivateNats, startPrivateNats } from "../support/privateNats.ts";
import { readStream, waitFor } from "../support/streamReader.ts";
import { uniqueId } from "../support/world.ts";

// A nats-server of this file's own: the tests change INGEST's settings and cut connections.
let nats: PrivateNats;
let link: NatsLink;
let publisher: CommandPublisher;
const PARTITIONS = 8;

beforeAll(async () => {
  nats = await startPrivateNats();
  link = await connectNats(nats.url, "publisher-test");
  await ensureStreams(link.nc, PARTITIONS);
  publisher = createCommandPublisher({ link, partitions: PARTITIONS });
});
afterAll(async () => {
  await link?.close();
  await nats?.close();
});

/** `count` events of a few customers of `account`, with client ids `<prefix>-<i>` and `size` bytes of properties. */
function events(account: string, prefix: string, count: number, size = 16): IngestCommandDraft[] {
  return Array.from({ length: count }, (_, i) => ({
    type: "event.track",
    id: { client: `${prefix}-${i}` },
    data: { name: "viewed", properties: { i, pad: "p".repeat(size) } },
    metadata: { account, customerId: `c-${i % 7}` },
  }));
}

/** The command ids INGEST holds for an account, in stream order. */
async function storedIds(account: string): Promise<string[]> {
  const messages = await readStream(link, STREAM_NAMES.ingest, `in.${account}.>`);
  return messages.map((message) => decodeCommand(message.data).metadata.commandId);
}

const idsOf = (drafts: IngestCommandDraft[]) =>
  drafts.map((draft) => (draft.id && "client" in draft.id ? draft.id.client : "?"));

describe("the command publisher: a call is stored all or none", () => {
  it("stores nothing of a call when the server refuses one of its messages mid-batch, and each once on a retry", async () => {
    const account = uniqueId("acct");
    const drafts = events(account, "refused", 10);
    drafts[5] = { ...events(account, "big", 1, 8 * 1024)[0], id: { client: "refused-5" } } as IngestCommandDraft;
    const jsm = await jetstreamManager(link.nc);
    const ingest = (await jsm.streams.info(STREAM_NAMES.ingest)).config;
    await jsm.streams.update(STREAM_NAMES.ingest, { ...ingest, max_msg_size: 4 * 1024 });
    try {
      await expect(publisher.publish(drafts)).rejects.toBeInstanceOf(UnavailableError);
      expect(await storedIds(account)).toEqual([]);
    } finally {
      await jsm.streams.update(STREAM_NAMES.ingest, { ...ingest, max_msg_size: -1 });
    }
    expect(await publisher.publish(drafts)).toEqual(idsOf(drafts));
    expect(await publisher.publish(drafts)).toEqual(idsOf(drafts));
    expect(await storedIds(account)).toEqual(idsOf(drafts));
  });

  describe("when the connection drops between a batch's messages", () => {
    let proxy: CuttableProxy;
    let cutLink: NatsLink;
    let cutPublisher: CommandPublisher;
    beforeAll(async () => {
      proxy = await startCuttableProxy({ host: "127.0.0.1", port: nats.port });
      cutLink = await connectNats(proxy.url, "publisher-cut");
      cutPublisher = createCommandPublisher({ link: cutLink, partitions: PARTITIONS });
    });
    afterAll(async () => {
      await cutLink?.close();
      await proxy?.close();
    });

    it("stores nothing of the call, answers UNAVAILABLE, and a retry stores each command once", async () => {
      const account = uniqueId("acct");
      const drafts = events(account, "cut", 1000, 1024);
      // ~1 MB in all: the connection is cut after the first ~200 KB of the batch.
      const cut = proxy.cutAfter(200 * 1024);
      await expect(cutPublisher.publish(drafts)).rejects.toBeInstanceOf(UnavailableError);
      await cut;
      expect(await storedIds(account)).toEqual([]);

      proxy.heal();
      await waitFor("the publisher to reconnect", async () => (cutLink.isConnected() ? true : undefined));
      // What the client held while cut off (the batch's rest and its commit) reaches the server on
      // reconnection; a publish after it is answered once the stream has processed them.
      const sentinel = events(account, "sentinel", 1);
      await cutPublisher.publish(sentinel);
      expect(await storedIds(account)).toEqual(idsOf(sentinel));

      expect(await cutPublisher.publish(drafts)).toEqual(idsOf(drafts));
      expect(await cutPublisher.publish(drafts)).toEqual(idsOf(drafts));
      expect(await storedIds(account)).toEqual([...idsOf(sentinel), ...idsOf(drafts)]);
    });
  });

  it("stores only the new commands of a call that repeats ids stored before, still in one batch", async () => {
    const account = uniqueId("acct");
    const [a, b, c, d] = events(account, "overlap", 4) as [
      IngestCommandDraft,
      IngestCommandDraft,
      IngestCommandDraft,
      IngestCommandDraft,
    ];
    await publisher.publish([a, b]);
    expect(await publisher.publish([b, c, d])).toEqual(idsOf([b, c, d]));
    expect(await publisher.publish([d, a, c, b])).toEqual(idsOf([d, a, c, b]));
    expect(await storedIds(account)).toEqual(idsOf([a, b, c, d]));
  });

  it("asks which ids INGEST holds without storing anything or holding back the ids it asked about", async () => {
    const account = uniqueId("acct");
    const [a, b, c] = events(account, "asked", 3) as [IngestCommandDraft, IngestCommandDraft, IngestCommandDraft];
    await publisher.publish([a, b]);
    const messageOf = (draft: IngestCommandDraft) => ({
      subject: subjects.ingest(account, partitionOf(account, draft.metadata.customerId, PARTITIONS)),
      payload: new Uint8Array(),
      msgId: commandMessageId(account, draft.id ?? { derived: "?" }),
    });
    const stored = await storedMessageIds(jetstream(link.nc), STREAM_NAMES.ingest, [a, b, c].map(messageOf), 5_000);
    expect([...stored].sort()).toEqual([messageOf(a).msgId, messageOf(b).msgId].sort());
    expect(await storedIds(account)).toEqual(idsOf([a, b]));
    // The unknown id it asked about is stored at the first try, alone or in a batch.
    expect(await publisher.publish([c])).toEqual(idsOf([c]));
    expect(await storedIds(account)).toEqual(idsOf([a, b, c]));
  });

  it("stores an id repeated within one call once, as its first command", async () => {
    const account = uniqueId("acct");
    const [first, other] = events(account, "twice", 2) as [IngestCommandDraft, IngestCommandDraft];
    const again = { ...first, data: { name: "again", properties: {} } } as IngestCommandDraft;
    expect(await publisher.publish([first, other, again])).toEqual(idsOf([first, other, first]));
    const stored = await readStream(link, STREAM_NAMES.ingest, `in.${account}.>`);
    expect(stored.map((message) => decodeCommand(message.data).data)).toEqual([first.data, other.data]);
  });
  it("stores every call of many at once, more than the stream has batch slots, each all", async () => {
    const account = uniqueId("acct");
    const calls = Array.from({ length: 120 }, (_, call) => events(account, `busy-${call}`, 5));
    const answers = await Promise.allSettled(calls.map((call) => publisher.publish(call)));
    expect(answers.filter((answer) => answer.status === "rejected")).toEqual([]);
    expect(await storedIds(account)).toHaveLength(120 * 5);
  });
});
