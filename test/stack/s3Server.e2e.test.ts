import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive, startS3Server } from "../../stack/index.ts";

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "masivo-s3-"));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe("the local S3 server", () => {
  it("serves the S3 protocol with the keys it was started with, keeps objects as files, and stops by its pid", async () => {
    const s3 = await startS3Server({ dataDir, log: () => {} });
    const client = new S3Client({
      endpoint: s3.url,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    const stranger = new S3Client({
      endpoint: s3.url,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "someone", secretAccessKey: "else-entirely" },
    });
    try {
      await client.send(new CreateBucketCommand({ Bucket: "exports" }));
      await client.send(new PutObjectCommand({ Bucket: "exports", Key: "a/b.txt", Body: "hello" }));
      const got = await client.send(new GetObjectCommand({ Bucket: "exports", Key: "a/b.txt" }));
      expect(await got.Body?.transformToString()).toBe("hello");
      expect(await readFile(join(dataDir, "s3", "exports", "a", "b.txt"), "utf8")).toBe("hello");
      await expect(stranger.send(new GetObjectCommand({ Bucket: "exports", Key: "a/b.txt" }))).rejects.toThrow();
    } finally {
      client.destroy();
      stranger.destroy();
      await s3.stop();
    }
    expect(isAlive(s3.pid)).toBe(false);
  });
});
