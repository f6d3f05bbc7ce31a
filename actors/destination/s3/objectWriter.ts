import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import { S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { ExportObject } from "./exportObjects.ts";

/** Where an S3 export writes, and as whom. `endpoint` is absent for AWS itself. */
export type BucketAccess = {
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  endpoint?: string;
  forcePathStyle: boolean;
};

/** What writing one object came to: S3's status (and its error code when it refused), or no answer. */
export type WriteAnswer = { status: number; code?: string; message?: string } | { error: string };

/**
 * Parts of 5 MiB (S3's smallest), two in flight: at most ~10 MiB of one object is in memory while
 * it is written, however large it is.
 */
const PART_BYTES = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

export type ObjectWriter = {
  write: (object: ExportObject, signal: AbortSignal) => Promise<WriteAnswer>;
  close: () => void;
};

/**
 * Writes objects as gzip NDJSON, streamed through a multipart upload (a single PUT when the
 * object fits in one part). The same key written twice leaves the second: S3 replaces objects whole.
 */
export function createObjectWriter(access: BucketAccess): ObjectWriter {
  const client = new S3Client({
    region: access.region,
    credentials: { accessKeyId: access.accessKeyId, secretAccessKey: access.secretAccessKey },
    forcePathStyle: access.forcePathStyle,
    ...(access.endpoint ? { endpoint: access.endpoint } : {}),
    // The generic sync retries, with its own backoff and limits: one place decides.
    maxAttempts: 1,
  });
  return {
    async write(object, signal) {
      const body = Readable.from(object.lines.map((line) => line.text)).pipe(createGzip());
      const upload = new Upload({
        client,
        params: {
          Bucket: access.bucket,
          Key: object.key,
          Body: body,
          // A gzip file, as its name says: with `Content-Encoding: gzip` HTTP clients (fetch, browsers)
          // would hand readers the NDJSON instead, under a name ending in .gz.
          ContentType: "application/gzip",
        },
        partSize: PART_BYTES,
        queueSize: PARTS_IN_FLIGHT,
      });
      const abort = () => void upload.abort();
      signal.addEventListener("abort", abort, { once: true });
      try {
        const done = await upload.done();
        return { status: done.$metadata.httpStatusCode ?? 200 };
      } catch (error) {
        return answerOf(error, access, object.key);
      } finally {
        signal.removeEventListener("abort", abort);
        body.destroy();
      }
    },
    close: () => client.destroy(),
  };
}

function answerOf(error: unknown, access: BucketAccess, key: string): WriteAnswer {
  const where = `s3://${access.bucket}/${key}`;
  if (error instanceof S3ServiceException && error.$metadata.httpStatusCode !== undefined) {
    return { status: error.$metadata.httpStatusCode, code: error.name, message: `${where}: ${error.message}` };
  }
  return { error: `${where}: ${error instanceof Error ? error.message : String(error)}` };
}
