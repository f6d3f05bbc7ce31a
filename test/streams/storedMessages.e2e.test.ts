import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats, type NatsLink, storedMessages } from "../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../support/privateNats.ts";

const STREAM = "READ_BACK";
let nats: PrivateNats;
let link: NatsLink;

beforeAll(async () => {
  nats = await startPrivateNats();
  link = await connectNats(nats.url, "stored-messages-test");
  await (await jetstreamManager(link.nc)).streams.add({ name: STREAM, subjects: ["rb.>"] });
});
afterAll(async () => {
  await link?.close();
  await nats?.close();
});

async function publish(subject: string, count: number): Promise<void> {
  const js = jetstream(link.nc);
  for (let i = 0; i < count; i += 1) await js.publish(subject, `${i}`);
}

async function consumersOf(stream: string): Promise<string[]> {
  const names: string[] = [];
  for await (const info of (await jetstreamManager(link.nc)).consumers.list(stream)) names.push(info.name);
  return names;
}

describe("storedMessages", () => {
  it("given messages on two subjects, reads those of the one asked, in order, and leaves no consumer", async () => {
    await publish("rb.a", 3);
    await publish("rb.b", 2);
    await publish("rb.a", 1);

    const read = [];
    for await (const message of storedMessages(link, STREAM, "rb.a")) read.push([message.subject, message.string()]);

    expect(read).toEqual([
      ["rb.a", "0"],
      ["rb.a", "1"],
      ["rb.a", "2"],
      ["rb.a", "0"],
    ]);
    expect(await consumersOf(STREAM)).toEqual([]);
  });

  it("given its consumer gone between two pulls, answered 'no responders', goes on from the next message with a fresh one", async () => {
    await publish("rb.many", 1_500);

    const seen: number[] = [];
    for await (const message of storedMessages(link, STREAM, "rb.many")) {
      seen.push(Number(message.string()));
      // The first pull brings 1,000: the next one goes to a consumer that no longer exists.
      if (seen.length === 1_000) {
        const jsm = await jetstreamManager(link.nc);
        for (const name of await consumersOf(STREAM)) await jsm.consumers.delete(STREAM, name);
      }
    }

    expect(seen).toEqual(Array.from({ length: 1_500 }, (_, i) => i));
    expect(await consumersOf(STREAM)).toEqual([]);
  });

  it("given nothing on the subject, reads nothing", async () => {
    const read = [];
    for await (const message of storedMessages(link, STREAM, "rb.none")) read.push(message);
    expect(read).toEqual([]);
  });
});
