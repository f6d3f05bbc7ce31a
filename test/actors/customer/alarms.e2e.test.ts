import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AlarmRelay, startAlarmRelay } from "../../../actors/customer/alarmRelay.ts";
import type { IngestCommand } from "../../../model/index.ts";
import {
  connectNats,
  createAlarmPublisher,
  createCommandPublisher,
  decodeCommand,
  ensureStreams,
  type NatsLink,
  partitionOf,
  STREAM_NAMES,
  subjects,
} from "../../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { readStream, waitFor } from "../../support/streamReader.ts";

const PARTITIONS = 4;
const ACCOUNT = "acme";
let nats: PrivateNats;
let link: NatsLink;
let relay: AlarmRelay;

beforeAll(async () => {
  nats = await startPrivateNats();
  link = await connectNats(nats.url, "alarms-test");
  await ensureStreams(link.nc, PARTITIONS);
  relay = await startAlarmRelay({
    link,
    commands: createCommandPublisher({ link, partitions: PARTITIONS }),
    log: pino({ level: "silent" }),
  });
});
afterAll(async () => {
  await relay?.stop();
  await link?.close();
  await nats?.close();
});

/** The wake commands INGEST holds for a customer, in order. */
async function wakes(customerId: string) {
  const partition = partitionOf(ACCOUNT, customerId, PARTITIONS);
  const messages = await readStream(link, STREAM_NAMES.ingest, subjects.ingest(ACCOUNT, partition));
  return messages
    .map((message) => decodeCommand(message.data))
    .filter(
      (command): command is Extract<IngestCommand, { type: "customer.wake" }> =>
        command.type === "customer.wake" && command.metadata.customerId === customerId,
    );
}

/** The customer's wakes, once there is one. */
const firstWakes = (customerId: string) =>
  waitFor(`${customerId}'s wake`, async () => {
    const found = await wakes(customerId);
    return found.length > 0 ? found : undefined;
  });

describe("durable timers: a customer's alarm", () => {
  it("given an alarm armed for a deadline, when the deadline comes, then the customer gets one wake for it, not before", async () => {
    const alarms = createAlarmPublisher(link);
    const customerId = "ana/with.odd chars*";
    const dueAt = new Date(Date.now() + 2_000).toISOString();
    await alarms.arm({ account: ACCOUNT, customerId, dueAt }, partitionOf(ACCOUNT, customerId, PARTITIONS));
    expect(await wakes(customerId)).toEqual([]);
    const [wake] = await firstWakes(customerId);
    expect(wake?.data).toEqual({ dueAt });
    expect(Date.parse(wake?.metadata.acceptedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(dueAt));
  });

  it("given an alarm re-armed for a later deadline, only the later one fires; a deadline already past fires at once", async () => {
    const alarms = createAlarmPublisher(link);
    const partition = (customerId: string) => partitionOf(ACCOUNT, customerId, PARTITIONS);
    const first = new Date(Date.now() + 1_500).toISOString();
    const later = new Date(Date.now() + 3_000).toISOString();
    await alarms.arm({ account: ACCOUNT, customerId: "bea", dueAt: first }, partition("bea"));
    await alarms.arm({ account: ACCOUNT, customerId: "bea", dueAt: later }, partition("bea"));
    const past = new Date(Date.now() - 60_000).toISOString();
    await alarms.arm({ account: ACCOUNT, customerId: "cid", dueAt: past }, partition("cid"));
    const cidWakes = await firstWakes("cid");
    expect(cidWakes.map((wake) => wake.data.dueAt)).toEqual([past]);
    const beaWakes = await firstWakes("bea");
    expect(beaWakes.map((wake) => wake.data.dueAt)).toEqual([later]);
  });
});
