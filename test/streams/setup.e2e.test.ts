import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  connectNats,
  DUPLICATE_WINDOW_NS,
  ensureStreams,
  type NatsLink,
  readStreamLayout,
  StreamReplicasError,
} from "../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../support/privateNats.ts";

// Stream settings are server-wide, so this file has a nats-server of its own.
let nats: PrivateNats;
let links: NatsLink[];
beforeAll(async () => {
  nats = await startPrivateNats();
  links = await Promise.all([1, 2, 3].map((i) => connectNats(nats.url, `setup-${i}`)));
});
afterAll(async () => {
  await Promise.all(links.map((link) => link.close()));
  await nats.close();
});

describe("ensureStreams", () => {
  it("creates the streams once when several processes start together", async () => {
    const layouts = await Promise.all(links.map((link) => ensureStreams(link.nc, 16)));
    expect(layouts).toEqual([{ partitions: 16 }, { partitions: 16 }, { partitions: 16 }]);
    const [first] = links;
    if (!first) throw new Error("no link");
    const jsm = await jetstreamManager(first.nc);
    const names = [];
    for await (const info of jsm.streams.list()) names.push(info.config.name);
    expect(names.sort()).toEqual(["AUDIENCE_RUNS", "CHANGES", "INGEST", "MESSAGES", "TIMERS"]);

    const ingest = await jsm.streams.info("INGEST");
    expect(ingest.config).toMatchObject({
      subjects: ["in.>"],
      retention: "limits",
      duplicate_window: DUPLICATE_WINDOW_NS,
    });
    const timers = await jsm.streams.info("TIMERS");
    expect(timers.config).toMatchObject({
      subjects: ["tmr.>"],
      allow_msg_schedules: true,
      allow_msg_ttl: true,
      max_age: 0,
    });
  });

  it("keeps the partition count the streams were created with", async () => {
    const link = links[1];
    if (!link) throw new Error("no link");
    expect(await ensureStreams(link.nc, 64)).toEqual({ partitions: 16 });
    expect(await readStreamLayout(link.nc)).toEqual({ partitions: 16 });
  });

  it("turns on atomic publishes on an INGEST created before them", async () => {
    const link = links[0];
    if (!link) throw new Error("no link");
    const jsm = await jetstreamManager(link.nc);
    const ingest = await jsm.streams.info("INGEST");
    expect(ingest.config.allow_atomic).toBe(true);
    await jsm.streams.update("INGEST", { ...ingest.config, allow_atomic: false });
    expect((await jsm.streams.info("INGEST")).config.allow_atomic).toBeFalsy();
    await ensureStreams(link.nc, 16);
    expect((await jsm.streams.info("INGEST")).config.allow_atomic).toBe(true);
  });

  it("repairs a stream whose settings drifted", async () => {
    const link = links[2];
    if (!link) throw new Error("no link");
    const jsm = await jetstreamManager(link.nc);
    const changes = await jsm.streams.info("CHANGES");
    await jsm.streams.update("CHANGES", { ...changes.config, duplicate_window: 1_000_000_000 });
    await ensureStreams(link.nc, 16);
    expect((await jsm.streams.info("CHANGES")).config.duplicate_window).toBe(DUPLICATE_WINDOW_NS);
  });

  it("refuses replicas on a server outside a cluster, naming the setting, and changes no stream", async () => {
    const link = links[0];
    if (!link) throw new Error("no link");

    const refusal = await ensureStreams(link.nc, 16, 3).catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(StreamReplicasError);
    expect((refusal as Error).message).toMatch(
      /^MASIVO_STREAM_REPLICAS is 3, but the NATS server .* is not part of a cluster/,
    );
    const jsm = await jetstreamManager(link.nc);
    expect((await jsm.streams.info("INGEST")).config.num_replicas).toBe(1);
  });
});
