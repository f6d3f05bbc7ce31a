import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestCommandDraft } from "../../model/index.ts";
import {
  commandMessageId,
  connectNats,
  createCommandPublisher,
  decodeCommand,
  ensureStreams,
  type NatsLink,
  openKvBucket,
  partitionOf,
  STREAM_NAMES,
  StreamReplicasError,
  subjects,
} from "../../streams/index.ts";
import { storedMessageIds } from "../../streams/storedMessageIds.ts";
import { type PrivateNatsCluster, startPrivateNatsCluster } from "../support/privateNatsCluster.ts";
import { readStream, waitFor } from "../support/streamReader.ts";
import { uniqueId } from "../support/world.ts";

// A 3-node JetStream cluster of this file's own: the tests change every stream's replicas.
let cluster: PrivateNatsCluster;
let link: NatsLink;
const PARTITIONS = 4;

beforeAll(async () => {
  cluster = await startPrivateNatsCluster();
  link = await connectNats(cluster.urls.join(","), "replicas-test");
});
afterAll(async () => {
  await link?.close();
  await cluster?.close();
});

/** Events of customer `c` of `account` with client ids `<prefix>-<i>`. */
function events(account: string, prefix: string, count: number): IngestCommandDraft[] {
  return Array.from({ length: count }, (_, i) => ({
    type: "event.track",
    id: { client: `${prefix}-${i}` },
    data: { name: "viewed", properties: { i } },
    metadata: { account, customerId: "c" },
  }));
}

async function storedIds(account: string): Promise<string[]> {
  const messages = await readStream(link, STREAM_NAMES.ingest, `in.${account}.>`);
  return messages.map((message) => decodeCommand(message.data).metadata.commandId);
}

/** Every stream's configured replicas and the copies it has, once they agree and each copy is current (a scaled stream catches up). */
async function replicasOfEveryStream(): Promise<Record<string, [number, number]>> {
  const jsm = await jetstreamManager(link.nc);
  const found: Record<string, [number, number]> = {};
  for (const name of Object.values(STREAM_NAMES)) {
    const info = await waitFor(`stream ${name}'s copies to be current`, async () => {
      const latest = await jsm.streams.info(name).catch(() => undefined);
      const peers = latest?.cluster?.replicas ?? [];
      const settled = latest && peers.length + 1 === latest.config.num_replicas && peers.every((peer) => peer.current);
      return settled ? latest : undefined;
    });
    found[name] = [info.config.num_replicas, 1 + (info.cluster?.replicas?.length ?? 0)];
  }
  return found;
}

describe("streams with replicas on a 3-node cluster", () => {
  it("starts a cluster whose nodes are separate processes with a client address each", () => {
    expect(cluster.nodes).toHaveLength(3);
    expect(new Set(cluster.nodes.map((node) => node.pid)).size).toBe(3);
    expect(cluster.urls).toEqual(cluster.nodes.map((node) => node.url));
  });

  it("brings streams created without replicas to the replicas asked, keeping their messages", async () => {
    await ensureStreams(link.nc, PARTITIONS, 1);
    const account = uniqueId("acct");
    await createCommandPublisher({ link, partitions: PARTITIONS }).publish(events(account, "before", 2));
    expect(Object.values(await replicasOfEveryStream())).toEqual(Array(5).fill([1, 1]));

    expect(await ensureStreams(link.nc, PARTITIONS, 3)).toEqual({ partitions: PARTITIONS });

    expect(await replicasOfEveryStream()).toEqual({
      INGEST: [3, 3],
      CHANGES: [3, 3],
      MESSAGES: [3, 3],
      TIMERS: [3, 3],
      AUDIENCE_RUNS: [3, 3],
    });
    expect(await storedIds(account)).toEqual(["before-0", "before-1"]);
  });

  it("refuses more replicas than the cluster has servers, naming the setting", async () => {
    const refusal = await ensureStreams(link.nc, PARTITIONS, 5).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(StreamReplicasError);
    expect((refusal as Error).message).toMatch(/^MASIVO_STREAM_REPLICAS is 5, but the NATS cluster .* has 3 servers/);
  });

  it("asks which ids a replicated INGEST holds without storing anything or holding back the others", async () => {
    const account = uniqueId("acct");
    const drafts = events(account, "asked", 3);
    const [a, b, c] = drafts as [IngestCommandDraft, IngestCommandDraft, IngestCommandDraft];
    await createCommandPublisher({ link, partitions: PARTITIONS }).publish([a, b]);
    const messageOf = (draft: IngestCommandDraft) => ({
      subject: subjects.ingest(account, partitionOf(account, draft.metadata.customerId, PARTITIONS)),
      payload: new Uint8Array(),
      msgId: commandMessageId(account, draft.id ?? { derived: "?" }),
    });

    const stored = await storedMessageIds(jetstream(link.nc), STREAM_NAMES.ingest, drafts.map(messageOf), 5_000);

    expect([...stored].sort()).toEqual([messageOf(a).msgId, messageOf(b).msgId].sort());
    expect(await storedIds(account)).toEqual(["asked-0", "asked-1"]);
    // The unknown id it asked about is stored at the first try.
    await createCommandPublisher({ link, partitions: PARTITIONS }).publish([c]);
    expect(await storedIds(account)).toEqual(["asked-0", "asked-1", "asked-2"]);
  });

  it("stores a call repeating ids INGEST holds once each, by asking which it holds", async () => {
    const account = uniqueId("acct");
    const [a, b, c, d] = events(account, "again", 4) as [
      IngestCommandDraft,
      IngestCommandDraft,
      IngestCommandDraft,
      IngestCommandDraft,
    ];
    const publisher = createCommandPublisher({ link, partitions: PARTITIONS });
    await publisher.publish([a, b]);

    expect(await publisher.publish([b, c, d])).toEqual(["again-1", "again-2", "again-3"]);

    expect(await storedIds(account)).toEqual(["again-0", "again-1", "again-2", "again-3"]);
  });

  it("asks about 500 ids, half of them held, at a measured cost per id", async () => {
    const account = uniqueId("acct");
    const drafts = events(account, "many", 500);
    const publisher = createCommandPublisher({ link, partitions: PARTITIONS });
    const held = drafts.filter((_, i) => i % 2 === 0);
    for (let i = 0; i < held.length; i += 100) await publisher.publish(held.slice(i, i + 100));
    const messages = drafts.map((draft) => ({
      subject: subjects.ingest(account, partitionOf(account, draft.metadata.customerId, PARTITIONS)),
      payload: new Uint8Array(),
      msgId: commandMessageId(account, draft.id ?? { derived: "?" }),
    }));

    const started = performance.now();
    const stored = await storedMessageIds(jetstream(link.nc), STREAM_NAMES.ingest, messages, 5_000);
    const perId = (performance.now() - started) / messages.length;

    console.log(`storedMessageIds on R3 INGEST: ${perId.toFixed(3)} ms an id (${messages.length} ids)`);
    expect(stored.size).toBe(250);
    expect(stored.has(commandMessageId(account, { client: "many-0" }))).toBe(true);
    expect(stored.has(commandMessageId(account, { client: "many-1" }))).toBe(false);
  });

  it("opens KV buckets with the streams' replicas, scaling one created with fewer, keeping its entries", async () => {
    const bucket = uniqueId("bucket");
    const before = await new Kvm(link.nc).create(bucket, { history: 1 });
    await before.put("lease", "worker-1");

    const kv = await openKvBucket(link.nc, bucket, { history: 1 });
    const fresh = await openKvBucket(link.nc, uniqueId("bucket"), { history: 1 });

    expect(await kv.get("lease").then((entry) => entry?.string())).toBe("worker-1");
    expect((await kv.status()).replicas).toBe(3);
    expect((await fresh.status()).replicas).toBe(3);
  });
});
