import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyWrite } from "../../../../actors/destination/s3/classifyWrite.ts";
import type { ExportObject } from "../../../../actors/destination/s3/exportObjects.ts";
import { createObjectWriter, type OutboundReach } from "../../../../actors/destination/s3/objectWriter.ts";
import { S3_LIMITS } from "../../../../actors/destination/s3/s3ExportProvider.ts";
import { scriptedResolve } from "../../../support/scriptedResolve.ts";
import { uniqueId } from "../../../support/world.ts";
import { bucketReader, testBucketAccess } from "./bucketReader.ts";

/**
 * The S3 writer checks where its endpoint's host resolves at every connection it opens, as the
 * webhook client does: a host answering an inner address is refused before any byte is sent, and
 * the write is retried (the next connection resolves again), naming the address.
 */
const bucket = uniqueId("bucket").toLowerCase();
const reader = bucketReader(bucket);
const access = testBucketAccess(bucket);
/** The test run's S3 server under a host name, so that connecting to it needs a lookup. */
const namedEndpoint = `http://s3.example.test:${new URL(access.endpoint).port}`;
const signal = new AbortController().signal;

beforeAll(() => reader.create());
afterAll(() => reader.close());

function objectAt(key: string): ExportObject {
  return {
    customers: [],
    key,
    kind: "EVENT",
    lines: [{ seq: 1, customerId: "ana", factId: "f1", payload: Buffer.from('{"n":1}') }],
  };
}

async function writeEach(endpoint: string, reach: OutboundReach, keys: string[]) {
  const writer = createObjectWriter({ ...access, endpoint }, reach);
  const answers = [];
  for (const key of keys) answers.push(await writer.write(objectAt(key), signal));
  writer.close();
  return answers;
}

describe("the S3 endpoint's address, checked at every connection", () => {
  it.each(["10.0.0.5", "169.254.169.254", "::1"])(
    "given a host resolving to %s, when an object is written, then it is refused and retried, naming the address",
    async (address) => {
      const { resolve, asked } = scriptedResolve(address);
      const key = `refused/${address}.ndjson.gz`;
      const [answer] = await writeEach(namedEndpoint, { allowLocal: true, resolve }, [key]);
      expect(answer).toEqual({ error: expect.stringContaining(`s3.example.test refused: ${address} is a`) });
      expect(asked.length).toBeGreaterThan(0);
      expect(classifyWrite(answer ?? expect.fail(), 0, Date.now(), S3_LIMITS.backoff)).toMatchObject({
        kind: "retry",
        reason: expect.stringContaining(`${address} is a`),
      });
      expect(await reader.keys()).not.toContain(key);
    },
  );

  it("given a host that resolves to the store and then rebinds to the metadata address, when a new connection is opened, then it is refused", async () => {
    const { resolve } = scriptedResolve("127.0.0.1", "169.254.169.254");
    const [first] = await writeEach(namedEndpoint, { allowLocal: true, resolve }, ["rebound/first.ndjson.gz"]);
    const [second] = await writeEach(namedEndpoint, { allowLocal: true, resolve }, ["rebound/second.ndjson.gz"]);
    expect(first).toEqual({ status: 200 });
    expect(second).toEqual({ error: expect.stringContaining("169.254.169.254 is a linkLocal address") });
    expect(await reader.keys()).toEqual(expect.arrayContaining(["rebound/first.ndjson.gz"]));
    expect(await reader.keys()).not.toContain("rebound/second.ndjson.gz");
  });

  it("given the store at http://127.0.0.1, when local destinations are not allowed, then nothing is written", async () => {
    const [answer] = await writeEach(access.endpoint, { allowLocal: false }, ["strict/object.ndjson.gz"]);
    expect(answer).toEqual({
      error: `s3://${bucket}/strict/object.ndjson.gz: 127.0.0.1 refused: 127.0.0.1 is a loopback address`,
    });
    expect(await reader.keys()).not.toContain("strict/object.ndjson.gz");
  });
});
