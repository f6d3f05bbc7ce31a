import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WindowMessage } from "../../../../actors/destination/integrationConsumer.ts";
import type { StoredIntegration } from "../../../../actors/destination/provider.ts";
import { createS3ExportProvider, S3_LIMITS } from "../../../../actors/destination/s3/s3ExportProvider.ts";
import { type CustomerFact, completeFact, type FactKind } from "../../../../model/index.ts";
import { connectStore, integrationsRepository, type S3ExportSettings, type Store } from "../../../../store/index.ts";
import { dataSharingChange } from "../../../support/consentChange.ts";
import { isolatedMongoUrl, uniqueId } from "../../../support/world.ts";
import { bucketReader, testBucketAccess } from "./bucketReader.ts";

const ACCOUNT = "acme";
// The test run's S3 server listens on 127.0.0.1, as MASIVO_ALLOW_LOCAL_DESTINATIONS=1 allows.
const s3ExportProvider = createS3ExportProvider({ allowLocal: true });
const AT = "2026-12-03T10:15:00.000Z";

let store: Store;
beforeAll(async () => {
  store = await connectStore(isolatedMongoUrl(uniqueId("s3export")));
});
afterAll(() => store.close());

function event(customerId: string, n: number, properties: Record<string, string> = {}, at = AT): CustomerFact {
  return {
    type: "event.recorded",
    data: { eventId: `e${n}`, name: "viewed", timestamp: at, properties, internal: false },
    metadata: { account: ACCOUNT, customerId, factId: `f${n}`, at, sourceSeq: n },
  };
}

function dataSharing(customerId: string, n: number, value: "GRANTED" | "DENIED"): CustomerFact {
  return completeFact(dataSharingChange(value), {
    account: ACCOUNT,
    customerId,
    factId: `f${n}`,
    at: AT,
    sourceSeq: n,
  });
}

function membership(customerId: string, n: number): CustomerFact {
  return {
    type: "membership.changed",
    data: { audienceId: "a1", audienceName: "vip", change: "ENTERED", at: AT },
    metadata: { account: ACCOUNT, customerId, factId: `f${n}`, at: AT, sourceSeq: n },
  };
}

function purchase(customerId: string, n: number): CustomerFact {
  return {
    type: "purchase.recorded",
    data: {
      orderId: "o1",
      currency: "EUR",
      sign: 1,
      cause: "FULFILL",
      items: [{ sku: "s", price: 1, quantity: 1 }],
      timestamp: AT,
    },
    metadata: { account: ACCOUNT, customerId, factId: `f${n}`, at: AT, sourceSeq: n },
  };
}

/** A window as CHANGES hands it over: sequences from `firstSeq`, one fact each. */
function windowOf(facts: CustomerFact[], firstSeq = 100): WindowMessage[] {
  return facts.map((fact, i) => ({ seq: firstSeq + i, data: new TextEncoder().encode(JSON.stringify(fact)) }));
}

async function exportTo(bucket: string, changes: Partial<S3ExportSettings> = {}, secret?: string) {
  const access = testBucketAccess(bucket);
  const integration: StoredIntegration<S3ExportSettings> = {
    _id: `s3_${ACCOUNT}`,
    account: ACCOUNT,
    kind: "s3",
    settings: {
      bucket,
      region: access.region,
      prefix: "exports",
      accessKeyId: access.accessKeyId,
      endpoint: access.endpoint,
      forcePathStyle: true,
      kinds: ["PROFILE", "EVENT", "MEMBERSHIP"] satisfies FactKind[],
      rotateSeconds: 300,
      rotateBytes: 5 * 1024 * 1024,
      enabled: true,
      ...changes,
    },
    secret: { iv: "", tag: "", data: "" },
    status: "HEALTHY",
    configVersion: 1,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
  return s3ExportProvider.connect(integration, secret ?? access.secretAccessKey, {
    integrations: integrationsRepository(store.db),
    tuning: S3_LIMITS,
    log: pino({ level: "silent" }),
  });
}

type Connection = Awaited<ReturnType<typeof exportTo>>;

/** Plans a window as the generic sync does (no one denied at its start) and writes each object once. */
async function writeWindow(connection: Connection, messages: WindowMessage[]) {
  const fromSeq = messages[0]?.seq ?? 0;
  await connection.planner.read(messages);
  const objects = await connection.planner.plan(fromSeq, { denied: [] });
  const answers = [];
  for (const object of objects) answers.push(await connection.send(object, new AbortController().signal));
  return { objects, answers };
}

describe("S3 exports", () => {
  it("writes each kind of a window as one gzip NDJSON object, under a key naming its sequences, leaving out what it may not", async () => {
    const bucket = uniqueId("bucket").toLowerCase();
    const reader = bucketReader(bucket);
    await reader.create();
    const facts = [
      event("ana", 1, { page: "/" }),
      membership("ana", 2),
      purchase("ana", 3),
      dataSharing("bo", 4, "DENIED"),
      event("bo", 5),
      event("cy", 6, { page: "/cart" }),
      membership("cy", 7),
    ];
    const connection = await exportTo(bucket);
    try {
      const { answers } = await writeWindow(connection, windowOf(facts, 100));
      expect(answers.map((answer) => s3ExportProvider.classify(answer, 0, Date.now(), S3_LIMITS.backoff).kind)).toEqual(
        ["delivered", "delivered"],
      );
      expect(await reader.keys()).toEqual([
        "exports/acme/event/dt=2026-12-03/hr=10/100-105.ndjson.gz",
        "exports/acme/membership/dt=2026-12-03/hr=10/101-106.ndjson.gz",
      ]);
      // Bo denied data sharing: neither the profile change that says so nor his event; purchases were not asked for.
      expect(await reader.lines("exports/acme/event/dt=2026-12-03/hr=10/100-105.ndjson.gz")).toEqual([
        facts[0],
        facts[5],
      ]);
      expect(await reader.lines("exports/acme/membership/dt=2026-12-03/hr=10/101-106.ndjson.gz")).toEqual([
        facts[1],
        facts[6],
      ]);
      // Each says what it is and how many facts it holds, to a HEAD.
      expect(await reader.head("exports/acme/event/dt=2026-12-03/hr=10/100-105.ndjson.gz")).toEqual({
        contentType: "application/gzip",
        facts: "2",
      });
    } finally {
      await connection.planner.close();
      reader.close();
    }
  });

  it("rewrites the same object when a window is written again, never adding a copy", async () => {
    const bucket = uniqueId("bucket").toLowerCase();
    const reader = bucketReader(bucket);
    await reader.create();
    const messages = windowOf([event("ana", 1), event("bo", 2), event("cy", 3)], 500);
    const first = await exportTo(bucket);
    const again = await exportTo(bucket);
    try {
      await writeWindow(first, messages);
      // As after a crash or an answer lost: the same window, planned again by another run, sent again.
      await writeWindow(again, messages);
      const { objects } = await writeWindow(again, messages);
      expect(await reader.keys()).toEqual(["exports/acme/event/dt=2026-12-03/hr=10/500-502.ndjson.gz"]);
      expect(objects.map((object) => object.key)).toEqual(await reader.keys());
      expect(await reader.lines("exports/acme/event/dt=2026-12-03/hr=10/500-502.ndjson.gz")).toHaveLength(3);
    } finally {
      await first.planner.close();
      await again.planner.close();
      reader.close();
    }
  });

  it("cuts objects at rotateBytes, at rotateSeconds and at the hour, keys still naming their sequences", async () => {
    const bucket = uniqueId("bucket").toLowerCase();
    const reader = bucketReader(bucket);
    await reader.create();
    const big = "x".repeat(600);
    const facts = [
      event("ana", 1, { big }),
      event("ana", 2, { big }),
      // Past rotateBytes (1,000 bytes of NDJSON): a new object.
      event("ana", 3, { big }),
      // More than rotateSeconds (60) after the object's first fact: a new object.
      event("ana", 4, {}, "2026-12-03T10:17:00.000Z"),
      // Another hour: a new object, in that hour's folder.
      event("ana", 5, {}, "2026-12-03T11:00:00.000Z"),
    ];
    const connection = await exportTo(bucket, { kinds: ["EVENT"], rotateBytes: 1_000, rotateSeconds: 60, prefix: "" });
    try {
      await writeWindow(connection, windowOf(facts, 10));
      expect(await reader.keys()).toEqual([
        "acme/event/dt=2026-12-03/hr=10/10-10.ndjson.gz",
        "acme/event/dt=2026-12-03/hr=10/11-11.ndjson.gz",
        "acme/event/dt=2026-12-03/hr=10/12-12.ndjson.gz",
        "acme/event/dt=2026-12-03/hr=10/13-13.ndjson.gz",
        "acme/event/dt=2026-12-03/hr=11/14-14.ndjson.gz",
      ]);
    } finally {
      await connection.planner.close();
      reader.close();
    }
  });

  it("streams an object larger than a part as a multipart upload, every line intact", {
    timeout: 120_000,
  }, async () => {
    const bucket = uniqueId("bucket").toLowerCase();
    const reader = bucketReader(bucket);
    await reader.create();
    // Random text gzips to about three quarters: ~9 MiB of NDJSON is two 5 MiB parts at least.
    const facts = Array.from({ length: 3_000 }, (_, i) =>
      event(`c${i % 50}`, i, { noise: randomBytes(2_400).toString("base64") }),
    );
    const connection = await exportTo(bucket, { kinds: ["EVENT"], rotateBytes: 100 * 1024 * 1024 });
    try {
      const { objects, answers } = await writeWindow(connection, windowOf(facts, 1));
      expect(objects).toHaveLength(1);
      expect(answers).toEqual([{ status: 200 }]);
      const [key] = await reader.keys();
      expect(key).toBe("exports/acme/event/dt=2026-12-03/hr=10/1-3000.ndjson.gz");
      expect(await reader.lines(key ?? "")).toEqual(facts);
      expect((await reader.head(key ?? "")).facts).toBe("3000");
    } finally {
      await connection.planner.close();
      reader.close();
    }
  });

  it("pauses on refused keys or a missing bucket, and retries when the server does not answer", async () => {
    const bucket = uniqueId("bucket").toLowerCase();
    const reader = bucketReader(bucket);
    await reader.create();
    const messages = windowOf([event("ana", 1)], 1);
    const classes = async (connection: Connection) => {
      const { answers } = await writeWindow(connection, messages);
      await connection.planner.close();
      return answers.map((answer) => s3ExportProvider.classify(answer, 0, Date.now(), S3_LIMITS.backoff));
    };
    try {
      expect(await classes(await exportTo(bucket, {}, "not-the-secret"))).toEqual([
        { kind: "misconfigured", reason: expect.stringMatching(/^403 SignatureDoesNotMatch/) },
      ]);
      expect(await classes(await exportTo(`${bucket}-missing`))).toEqual([
        { kind: "misconfigured", reason: expect.stringMatching(/^404 NoSuchBucket/) },
      ]);
      expect(await classes(await exportTo(bucket, { endpoint: "http://127.0.0.1:1" }))).toEqual([
        {
          kind: "retry",
          delayMs: expect.any(Number),
          reason: expect.stringContaining(`s3://${bucket}/exports/acme/event`),
        },
      ]);
      expect(await reader.keys()).toEqual([]);
    } finally {
      reader.close();
    }
  });
});
