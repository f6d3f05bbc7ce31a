/**
 * Reads an export's bucket back as a reader of the objects would, for benchmarks: lists it,
 * gunzips every object not read yet and counts its lines by `metadata.factId`, so that a fact in
 * two objects shows as a duplicate. An object is read once: S3 replaces a key whole, and a key
 * written again holds the same facts (docs/exports.md, "Exactly once").
 */
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
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
  /** Reads the objects listed since the last call; answers how many it read. */
  readNew: () => Promise<number>;
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

  const count = async (key: string) => {
    const text = await gunzipped(key, AbortSignal.timeout(CALL_TIMEOUT_MS));
    for (const [index, line] of text.trimEnd().split("\n").entries()) {
      const where = `s3://${access.bucket}/${key} line ${index + 1}`;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new Error(`${where} is not JSON`, { cause: error });
      }
      const parsed = exportedLineSchema.safeParse(value);
      if (!parsed.success) throw new Error(`${where}: ${parsed.error.message}`);
      if (parsed.data.type !== type) continue;
      const id = parsed.data.metadata.factId;
      facts.set(id, (facts.get(id) ?? 0) + 1);
    }
  };

  return {
    createBucket: async () => {
      await client.send(new CreateBucketCommand({ Bucket: access.bucket }));
    },
    async readNew() {
      const found = await unread(AbortSignal.timeout(CALL_TIMEOUT_MS));
      for (const { key, size } of found) {
        await count(key);
        read.add(key);
        gzipBytes += size;
      }
      return found.length;
    },
    facts,
    objects: () => read.size,
    gzipBytes: () => gzipBytes,
    close: () => client.destroy(),
  };
}
