import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import { S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { forbiddenAddressReason } from "../../../model/index.ts";
import { createOutboundLookup, type Resolve } from "../outboundLookup.ts";
import type { ExportLine, ExportObject } from "./exportObjects.ts";

/** Where an S3 export writes, and as whom. `endpoint` is absent for AWS itself. */
export type BucketAccess = {
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  endpoint?: string;
  forcePathStyle: boolean;
};

/** Which addresses the writer may connect to: MASIVO_ALLOW_LOCAL_DESTINATIONS, and how hosts resolve (tests script it). */
export type OutboundReach = { allowLocal: boolean; resolve?: Resolve };

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
 * Like a webhook's, the endpoint's address is checked at every connection the client opens (the
 * agents' `lookup`, outboundLookup.ts), and a literal IP, which Node connects to without a lookup,
 * before every write.
 */
export function createObjectWriter(access: BucketAccess, reach: OutboundReach): ObjectWriter {
  const lookup = createOutboundLookup(reach);
  const agents = {
    httpsAgent: new https.Agent({ keepAlive: true, lookup }),
    httpAgent: new http.Agent({ keepAlive: true, lookup }),
  };
  const literalRefusal = literalAddressRefusal(access.endpoint, reach.allowLocal);
  const client = new S3Client({
    region: access.region,
    credentials: { accessKeyId: access.accessKeyId, secretAccessKey: access.secretAccessKey },
    forcePathStyle: access.forcePathStyle,
    ...(access.endpoint ? { endpoint: access.endpoint } : {}),
    // The generic sync retries, with its own backoff and limits: one place decides.
    maxAttempts: 1,
    requestHandler: agents,
  });
  return {
    async write(object, signal) {
      if (literalRefusal) return { error: `s3://${access.bucket}/${object.key}: ${literalRefusal}` };
      const body = Readable.from(chunksOf(object.lines), { highWaterMark: CHUNKS_AHEAD }).pipe(createGzip());
      const upload = new Upload({
        client,
        params: {
          Bucket: access.bucket,
          Key: object.key,
          Body: body,
          // A gzip file, as its name says: with `Content-Encoding: gzip` HTTP clients (fetch, browsers)
          // would hand readers the NDJSON instead, under a name ending in .gz.
          ContentType: "application/gzip",
          // A reader can count an object's facts (`x-amz-meta-facts`) with a HEAD, without reading it.
          Metadata: { facts: String(object.lines.length) },
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
    close: () => {
      client.destroy();
      agents.httpsAgent.destroy();
      agents.httpAgent.destroy();
    },
  };
}

/** About this many bytes of NDJSON go to gzip at a time. */
const CHUNK_BYTES = 1024 * 1024;
/**
 * Chunks joined ahead of gzip: each is a copy of its lines, and a stream made from a generator
 * would otherwise join 16 ahead, the whole object for most.
 */
const CHUNKS_AHEAD = 2;
const NEWLINE = Buffer.from("\n");

/**
 * The lines, each ended by a newline, joined into chunks of about CHUNK_BYTES: gzip works on the
 * thread pool, one task per write, so a write per line (10,000 an object) spent seconds going back
 * and forth.
 */
function* chunksOf(lines: readonly ExportLine[]): Generator<Buffer> {
  let parts: Uint8Array[] = [];
  let bytes = 0;
  for (const { payload } of lines) {
    parts.push(payload, NEWLINE);
    bytes += payload.byteLength + 1;
    if (bytes >= CHUNK_BYTES) {
      yield Buffer.concat(parts, bytes);
      parts = [];
      bytes = 0;
    }
  }
  if (bytes > 0) yield Buffer.concat(parts, bytes);
}

/** Why an endpoint given as an IP may not be written to; a host name is checked at each connection instead. */
function literalAddressRefusal(endpoint: string | undefined, allowLocal: boolean): string | undefined {
  if (!endpoint) return undefined;
  const hostname = new URL(endpoint).hostname.replace(/^\[|\]$/g, "");
  const refusal = isIP(hostname) ? forbiddenAddressReason(hostname, allowLocal) : undefined;
  return refusal ? `${hostname} refused: ${refusal}` : undefined;
}

function answerOf(error: unknown, access: BucketAccess, key: string): WriteAnswer {
  const where = `s3://${access.bucket}/${key}`;
  if (error instanceof S3ServiceException && error.$metadata.httpStatusCode !== undefined) {
    return { status: error.$metadata.httpStatusCode, code: error.name, message: `${where}: ${error.message}` };
  }
  return { error: `${where}: ${error instanceof Error ? error.message : String(error)}` };
}
