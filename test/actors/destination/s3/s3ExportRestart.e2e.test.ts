import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MasivoProcess } from "../../../../faults/masivoProcess.ts";
import { createTestAccount } from "../../../support/gateways.ts";
import { type PrivateNats, startPrivateNats } from "../../../support/privateNats.ts";
import { startRoleProcess } from "../../../support/roleProcess.ts";
import { postGraphQL, startTestMasivo } from "../../../support/startTestMasivo.ts";
import { waitFor } from "../../../support/streamReader.ts";
import { isolatedMongoUrl, TEST_MASTER_KEY, TEST_ROOT_KEY, uniqueId } from "../../../support/world.ts";
import { bucketReader, testBucketAccess } from "./bucketReader.ts";
import { startObjectWrittenProxy } from "./objectWrittenProxy.ts";

/**
 * An S3 export through the real destinations worker, run as a process of its own (`node main.ts`)
 * and killed with SIGKILL each time an object has just been stored, before S3's answer reaches it:
 * once it is back, the bucket holds every event exactly once across its objects (the window is
 * written again whole, under the same keys), and nothing of the customer who denied data sharing.
 */

const BATCHES = 12;
const PER_BATCH = 150;
const CUSTOMERS = 10;
const KILLS = 3;

let nats: PrivateNats;
let mongodbUrl: string;
let masivo: Awaited<ReturnType<typeof startTestMasivo>>;
let destinations: MasivoProcess;

const local = { MASIVO_ALLOW_LOCAL_DESTINATIONS: "1" };
const startDestinations = () => startRoleProcess("destinations", { natsUrl: nats.url, mongodbUrl }, local);

beforeAll(async () => {
  nats = await startPrivateNats();
  mongodbUrl = isolatedMongoUrl(uniqueId("db"));
  masivo = await startTestMasivo({
    NATS_URL: nats.url,
    MONGODB_URL: mongodbUrl,
    MASIVO_ROLES: "gateway,customers",
    MASIVO_ROOT_KEY: TEST_ROOT_KEY,
    MASIVO_MASTER_KEY: TEST_MASTER_KEY,
    ...local,
  });
  destinations = await startDestinations();
}, 120_000);

afterAll(async () => {
  if (destinations?.running()) await destinations.signal("SIGKILL");
  await masivo?.stop();
  await nats?.close();
});

describe("an S3 export across a kill -9 of the destinations worker", () => {
  it("leaves every event in the bucket exactly once, gzip NDJSON, and none of a customer who denied data sharing", async () => {
    const { adminKey } = await createTestAccount(masivo);
    const gql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
      const { body } = await postGraphQL(masivo.baseUrl, adminKey, { query, variables });
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data as T;
    };
    const bucket = uniqueId("bucket").toLowerCase();
    const reader = bucketReader(bucket);
    await reader.create();
    const access = testBucketAccess(bucket);
    const written: string[] = [];
    let disarmed = false;
    let killing = false;
    const proxy = await startObjectWrittenProxy(access.endpoint, async (key) => {
      if (disarmed || killing || written.length >= KILLS) return;
      killing = true;
      await destinations.signal("SIGKILL");
      written.push(key);
      killing = false;
    });
    await gql("mutation($i: S3ExportInput!) { configureS3Export(input: $i) { id } }", {
      i: {
        bucket,
        region: access.region,
        endpoint: proxy.url,
        forcePathStyle: true,
        accessKeyId: access.accessKeyId,
        secretAccessKey: access.secretAccessKey,
        kinds: ["EVENT"],
      },
    });
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => `c${i}`);
    const denier = "denier";
    for (const customerId of customers) {
      await gql("mutation($i: CustomerInput!) { upsertCustomer(input: $i) { accepted } }", { i: { customerId } });
    }
    await gql("mutation($i: CustomerInput!) { upsertCustomer(input: $i) { accepted } }", {
      i: { customerId: denier, consent: { dataSharing: "DENIED" } },
    });

    const eventIds: string[] = [];
    const tracking = (async () => {
      for (let batch = 0; batch < BATCHES; batch++) {
        const events = Array.from({ length: PER_BATCH }, (_, i) => {
          const id = `b${batch}-e${i}`;
          eventIds.push(id);
          return {
            id,
            customerId: customers[i % CUSTOMERS],
            name: "viewed",
            properties: { noise: randomBytes(1_500).toString("base64") },
          };
        });
        events.push({ id: `b${batch}-denied`, customerId: denier, name: "viewed", properties: { noise: "" } });
        await gql("mutation($e: [EventInput!]!) { trackEvents(events: $e) { accepted } }", { e: events });
        // Apart enough for the worker to write a window or two between batches.
        await sleep(1_000);
      }
    })();

    // Killed each time an object has just been stored, before the worker hears S3's answer.
    for (let kill = 1; kill <= KILLS; kill++) {
      await waitFor(`object ${kill} written`, async () => (written.length >= kill ? true : undefined), 60_000);
      destinations = await startDestinations();
    }
    await tracking;
    disarmed = true;

    const eventIdsInBucket = async () => {
      const ids: string[] = [];
      for (const key of await reader.keys()) {
        expect(key).toMatch(/^[a-z0-9_-]+\/event\/dt=\d{4}-\d{2}-\d{2}\/hr=\d{2}\/\d+-\d+\.ndjson\.gz$/);
        const lines = (await reader.lines(key)) as { type: string; data: { eventId: string; name: string } }[];
        for (const line of lines) {
          expect(line.type).toBe("event.recorded");
          // Internal events (each customer's registration) are exported too, marked `internal`.
          ids.push(line.data.name === "viewed" ? line.data.eventId : `${line.data.name}:${line.data.eventId}`);
        }
      }
      return ids;
    };
    await waitFor(
      "every event in the bucket",
      async () => ((await eventIdsInBucket()).length >= eventIds.length + CUSTOMERS ? true : undefined),
      120_000,
    );
    // A window the kill left open would be written again by now: the count must still hold.
    await sleep(3_000);
    const ids = await eventIdsInBucket();
    const viewed = ids.filter((id) => !id.includes(":"));
    expect(viewed.length, "no event twice").toBe(eventIds.length);
    expect(new Set(viewed)).toEqual(new Set(eventIds));
    // One registration per customer, none of the customer who denied data sharing.
    expect(ids.filter((id) => id.includes(":"))).toHaveLength(CUSTOMERS);
    reader.close();
    await proxy.close();
  }, 240_000);
});
