/**
 * Reads an export's bucket back for benchmarks: lists it, gunzips every object not read yet and
 * counts its lines by `metadata.factId`, so that a fact in two objects shows as a duplicate. An
 * object is read once: S3 replaces a key whole, and a key written again holds the same facts
 * (docs/exports.md, "Exactly once"). While the export is timed, a line is read cheaply (its type
 * by its start, its fact id by the last `"factId":"` in it: the tally shares the machine with what
 * it measures); `readAgain` then reads every object as any reader would, each line parsed as JSON,
 * and checks it found the same facts.
 */

import type { Readable } from "node:stream";
import { promisify } from "node:util";
import { createGunzip, gunzip } from "node:zlib";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";

const gunzipAsync = promisify(gunzip);
const FACT_ID_BYTES = Buffer.from('"factId":"');
const QUOTE = 0x22;
const NEWLINE = 0x0a;
/** A call to the S3 server that takes longer fails, rather than holding the bench up. */
const CALL_TIMEOUT_MS = 30_000;

export type BucketAccess = {
  bucket: string;
  region: string;
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
};

/** The part of a line the tally reads: which fact it is, and its `type`. */
const exportedLineSchema = z.object({ type: z.string(), metadata: z.object({ factId: z.string().min(1) }) });

export type BucketTally = {
  createBucket: () => Promise<void>;
  /** Reads the objects listed since the last call, cheaply; answers how many it read. */
  readNew: () => Promise<number>;
  /** Reads every object read so far again, each line parsed as JSON; throws where it finds other facts. */
  readAgain: () => Promise<void>;
  /** Lines per fact id, of the facts of `type` given to `bucketTally`. */
  facts: ReadonlyMap<string, number>;
  objects: () => number;
  /** The objects' stored (gzip) bytes. */
  gzipBytes: () => number;
  close: () => void;
};

export function bucketTally(access: BucketAccess, type: string): BucketTally {
  const client = new S3Client({
    region: access.region,
    endpoint: access.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: access.accessKeyId, secretAccessKey: access.secretAccessKey },
  });
  const facts = new Map<string, number>();
  const read = new Set<string>();
  let gzipBytes = 0;

  const unread = async (abortSignal: AbortSignal) => {
    const found: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: access.bucket, ContinuationToken: token }), {
        abortSignal,
      });
      for (const object of page.Contents ?? []) {
        if (object.Key && !read.has(object.Key)) found.push({ key: object.Key, size: object.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  };

  const gunzipped = async (key: string, abortSignal: AbortSignal) => {
    const object = await client.send(new GetObjectCommand({ Bucket: access.bucket, Key: key }), { abortSignal });
    if (!object.Body) throw new Error(`s3://${access.bucket}/${key} has no body`);
    return (await gunzipAsync(await object.Body.transformToByteArray())).toString("utf8");
  };

  const typeStart = Buffer.from(`{"type":${JSON.stringify(type)},`);
  /**
   * Counts the fact ids of `type` in an object, read cheaply: gunzipped as a stream, each line
   * looked at in the bytes (its start, and the last `"factId":"` in it: the export writes
   * `metadata` last), without making the object or its lines strings.
   */
  const countQuickly = async (key: string, abortSignal: AbortSignal) => {
    const object = await client.send(new GetObjectCommand({ Bucket: access.bucket, Key: key }), { abortSignal });
    if (!object.Body) throw new Error(`s3://${access.bucket}/${key} has no body`);
    let line = 0;
    let rest: Buffer = Buffer.alloc(0);
    const countLine = (bytes: Buffer) => {
      line += 1;
      if (bytes.length === 0 || bytes.compare(typeStart, 0, typeStart.length, 0, typeStart.length) !== 0) return;
      const at = bytes.lastIndexOf(FACT_ID_BYTES);
      const end = at === -1 ? -1 : bytes.indexOf(QUOTE, at + FACT_ID_BYTES.length);
      if (end === -1) throw new Error(`s3://${access.bucket}/${key} line ${line} has no factId`);
      const id = bytes.toString("utf8", at + FACT_ID_BYTES.length, end);
      facts.set(id, (facts.get(id) ?? 0) + 1);
    };
    for await (const chunk of (object.Body as Readable).pipe(createGunzip())) {
      const bytes: Buffer = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      for (let newline = bytes.indexOf(NEWLINE, start); newline !== -1; newline = bytes.indexOf(NEWLINE, start)) {
        countLine(bytes.subarray(start, newline));
        start = newline + 1;
      }
      rest = bytes.subarray(start);
    }
    if (rest.length > 0) countLine(rest);
  };
  /** The fact ids of `type` in an object, each line parsed as JSON as any reader would. */
  const parsedIds = (key: string, text: string): string[] =>
    text
      .trimEnd()
      .split("\n")
      .flatMap((line, index) => {
        const where = `s3://${access.bucket}/${key} line ${index + 1}`;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (error) {
          throw new Error(`${where} is not JSON`, { cause: error });
        }
        const parsed = exportedLineSchema.safeParse(value);
        if (!parsed.success) throw new Error(`${where}: ${parsed.error.message}`);
        return parsed.data.type === type ? [parsed.data.metadata.factId] : [];
      });

  return {
    createBucket: async () => {
      await client.send(new CreateBucketCommand({ Bucket: access.bucket }));
    },
    async readNew() {
      const found = await unread(AbortSignal.timeout(CALL_TIMEOUT_MS));
      for (const { key, size } of found) {
        await countQuickly(key, AbortSignal.timeout(CALL_TIMEOUT_MS));
        read.add(key);
        gzipBytes += size;
      }
      return found.length;
    },
    async readAgain() {
      const again = new Map<string, number>();
      for (const key of read) {
        const text = await gunzipped(key, AbortSignal.timeout(CALL_TIMEOUT_MS));
        for (const id of parsedIds(key, text)) again.set(id, (again.get(id) ?? 0) + 1);
      }
      const differing = [...new Set([...again.keys(), ...facts.keys()])].filter(
        (id) => again.get(id) !== facts.get(id),
      );
      if (differing.length > 0) {
        throw new Error(`read as JSON, the objects hold other facts than counted: ${differing.slice(0, 5).join(", ")}`);
      }
    },
    facts,
    objects: () => read.size,
    gzipBytes: () => gzipBytes,
    close: () => client.destroy(),
  };
}
