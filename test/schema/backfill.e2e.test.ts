import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isChannelIntegration } from "../../store/index.ts";
import { createWorld, uniqueId, type World } from "../support/world.ts";

/**
 * `backfill: true` on a destination's configuration (issue 16): the integration is stored with a
 * full resync requested, as `resyncIntegration` requests it; without it, none.
 */
let world: World;

beforeAll(async () => {
  world = await createWorld({ database: uniqueId("db") });
});
afterAll(() => world?.close());

const resyncOf = async (id: string) => {
  const integration = (await world.services.integrations.get(id)) ?? expect.fail(`${id} not stored`);
  return isChannelIntegration(integration) ? expect.fail(`${id} is a channel`) : integration.resync;
};

const S3 = {
  bucket: "acme-exports",
  region: "eu-west-1",
  accessKeyId: "AKIAEXAMPLE",
  secretAccessKey: "s3-secret",
  kinds: ["PROFILE"],
};

describe("backfill at configuration", () => {
  it("requests a full resync of the S3 export only when asked", async () => {
    const configure = (backfill?: boolean) =>
      world.graphql<{ configureS3Export: { id: string } }>(
        "mutation($i: S3ExportInput!) { configureS3Export(input: $i) { id } }",
        { i: { ...S3, ...(backfill === undefined ? {} : { backfill }) } },
      );
    const plain = await configure();
    const id = plain.data?.configureS3Export.id ?? expect.fail(JSON.stringify(plain.errors));
    expect(await resyncOf(id)).toBeUndefined();
    await configure(false);
    expect(await resyncOf(id)).toBeUndefined();
    await configure(true);
    expect(await resyncOf(id)).toMatchObject({ reason: "REQUESTED", asked: 0 });
  });

  it("requests a full resync of a new webhook endpoint, and of Braze, when asked", async () => {
    const webhook = await world.graphql<{ createWebhook: { webhook: { id: string } } }>(
      "mutation($i: WebhookInput!) { createWebhook(input: $i) { webhook { id } } }",
      { i: { url: "http://127.0.0.1:9/hooks", kinds: ["EVENT"], backfill: true } },
    );
    const webhookId = webhook.data?.createWebhook.webhook.id ?? expect.fail(JSON.stringify(webhook.errors));
    expect(await resyncOf(webhookId)).toMatchObject({ reason: "REQUESTED" });

    const braze = await world.graphql<{ configureBraze: { id: string } }>(
      "mutation($i: BrazeInput!) { configureBraze(input: $i) { id } }",
      { i: { restEndpoint: "https://rest.iad-01.braze.com", apiKey: "key", backfill: true } },
    );
    const brazeId = braze.data?.configureBraze.id ?? expect.fail(JSON.stringify(braze.errors));
    expect(await resyncOf(brazeId)).toMatchObject({ reason: "REQUESTED" });
  });
});
