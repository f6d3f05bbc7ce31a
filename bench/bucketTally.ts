/**
 * Reads an export's bucket back for benchmarks. While the export is timed, the tally shares the
 * machine with what it measures, so it reads no object: it lists the bucket and asks each new
 * object's HEAD how many facts it holds (`x-amz-meta-facts`, docs/exports.md). Untimed, `readAll`
 * then reads every object as any reader would (gunzipped, each line parsed as JSON), checks that
 * each holds the facts its metadata said, and counts the facts by `metadata.factId`, so that a fact
 * in two objects shows as a duplicate. An object is read once: S3 replaces a key whole, and a key
 * written again holds the same facts (docs/exports.md, "Exactly once").
 */

import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { z } from "zod";

const gunzipAsync = promisify(gunzip);
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
  /** Lists the objects written since the last call and asks each how many facts it holds; answers how many objects it found. */
  countNew: () => Promise<number>;
  /** Facts of the tally's `kind` the objects found so far say they hold. */
  counted: () => number;
  /** Reads every object found so far, each line parsed as JSON; throws where one holds other than its metadata said. */
  readAll: () => Promise<void>;
  /** Lines per fact id, of the facts of `type` given to `bucketTally`, as `readAll` found them. */
  facts: ReadonlyMap<string, number>;
  objects: () => number;
  /** The objects' stored (gzip) bytes. */
  gzipBytes: () => number;
  close: () => void;
};

/** Tallies the facts of `type`, which the export writes under `<…>/<kind>/…` keys (`kind` in lower case). */
export function bucketTally(access: BucketAccess, kind: string, type: string): BucketTally {
  const client = new S3Client({
    region: access.region,
    endpoint: access.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: access.accessKeyId, secretAccessKey: access.secretAccessKey },
  });
  const facts = new Map<string, number>();
  /** Each object found, and how many facts its metadata says it holds. */
  const found = new Map<string, number>();
  const kindFolder = `/${kind.toLowerCase()}/`;
  let counted = 0;
  let gzipBytes = 0;

  const unlisted = async (abortSignal: AbortSignal) => {
    const fresh: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: access.bucket, ContinuationToken: token }), {
        abortSignal,
      });
      for (const object of page.Contents ?? []) {
        if (object.Key && !found.has(object.Key)) fresh.push({ key: object.Key, size: object.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return fresh;
  };

  const factsSaid = async (key: string, abortSignal: AbortSignal) => {
    const head = await client.send(new HeadObjectCommand({ Bucket: access.bucket, Key: key }), { abortSignal });
    const said = Number(head.Metadata?.facts);
    if (!Number.isInteger(said) || said < 1) {
      throw new Error(`s3://${access.bucket}/${key} does not say how many facts it holds (x-amz-meta-facts)`);
    }
    return said;
  };

  /** The `type` of each line of an object and its fact id, each line parsed as JSON as any reader would. */
  const linesOf = async (key: string, abortSignal: AbortSignal) => {
    const object = await client.send(new GetObjectCommand({ Bucket: access.bucket, Key: key }), { abortSignal });
    if (!object.Body) throw new Error(`s3://${access.bucket}/${key} has no body`);
    const text = (await gunzipAsync(await object.Body.transformToByteArray())).toString("utf8");
    return text
      .trimEnd()
      .split("\n")
      .map((line, index) => {
        const where = `s3://${access.bucket}/${key} line ${index + 1}`;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (error) {
          throw new Error(`${where} is not JSON`, { cause: error });
        }
        const parsed = exportedLineSchema.safeParse(value);
        if (!parsed.success) throw new Error(`${where}: ${parsed.error.message}`);
        return { type: parsed.data.type, factId: parsed.data.metadata.factId };
      });
  };

  return {
    createBucket: async () => {
      await client.send(new CreateBucketCommand({ Bucket: access.bucket }));
    },
    async countNew() {
      const fresh = await unlisted(AbortSignal.timeout(CALL_TIMEOUT_MS));
      for (const { key, size } of fresh) {
        const said = await factsSaid(key, AbortSignal.timeout(CALL_TIMEOUT_MS));
        found.set(key, said);
        if (key.includes(kindFolder)) counted += said;
        gzipBytes += size;
      }
      return fresh.length;
    },
    counted: () => counted,
    async readAll() {
      facts.clear();
      for (const [key, said] of found) {
        const lines = await linesOf(key, AbortSignal.timeout(CALL_TIMEOUT_MS));
        if (lines.length !== said) {
          throw new Error(`s3://${access.bucket}/${key} holds ${lines.length} facts, its metadata says ${said}`);
        }
        for (const line of lines) {
          if (line.type === type) facts.set(line.factId, (facts.get(line.factId) ?? 0) + 1);
        }
      }
      let read = 0;
      for (const copies of facts.values()) read += copies;
      if (read !== counted)
        throw new Error(`the objects hold ${read} facts of ${type}, their metadata said ${counted}`);
    },
    facts,
    objects: () => found.size,
    gzipBytes: () => gzipBytes,
    close: () => client.destroy(),
  };
}
