import { gunzipSync } from "node:zlib";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { expect, inject } from "vitest";

/** The test run's S3 server, as a client of any tool would see it: path-style, its root keys. */
export function testBucketAccess(bucket: string) {
  return {
    bucket,
    region: "us-east-1",
    endpoint: inject("s3Url"),
    forcePathStyle: true,
    accessKeyId: inject("s3AccessKeyId"),
    secretAccessKey: inject("s3SecretAccessKey"),
  };
}

/** Reads a bucket back with the plain AWS client: every object's key and its lines, gunzipped and parsed. */
export function bucketReader(bucket: string) {
  const access = testBucketAccess(bucket);
  const client = new S3Client({
    region: access.region,
    endpoint: access.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: access.accessKeyId, secretAccessKey: access.secretAccessKey },
  });
  return {
    create: () => client.send(new CreateBucketCommand({ Bucket: bucket })),
    async keys(): Promise<string[]> {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : [])));
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    async lines(key: string): Promise<unknown[]> {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = await object.Body?.transformToByteArray();
      if (!bytes) throw new Error(`s3://${bucket}/${key} has no body`);
      const text = gunzipSync(bytes).toString("utf8");
      expect(text.endsWith("\n")).toBe(true);
      return text
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line));
    },
    /** What an object's HEAD says of it: its content type, and how many facts its metadata says it holds. */
    async head(key: string): Promise<{ contentType?: string; facts?: string }> {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { contentType: head.ContentType, facts: head.Metadata?.facts };
    },
    close: () => client.destroy(),
  };
}
