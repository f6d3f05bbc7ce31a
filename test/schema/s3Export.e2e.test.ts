import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretBox } from "../../store/index.ts";
import { refused } from "../support/refusal.ts";
import { startSettingsWorlds } from "../support/settingsWorlds.ts";
import { TEST_MASTER_KEY, type World } from "../support/world.ts";

/**
 * configureS3Export through the gateway: it stores an integration of kind `s3` with the secret
 * access key sealed and never returned, and refuses a bad value naming its field; a local endpoint
 * needs MASIVO_ALLOW_LOCAL_DESTINATIONS.
 */
let world: World;
let strict: World;
let sdkKey: string;

beforeAll(async () => {
  ({ world, strict, sdkKey } = await startSettingsWorlds());
});
afterAll(async () => {
  await Promise.all([world?.close(), strict?.close()]);
});

type Integration = { id: string; kind: string; status: string; settings: Record<string, unknown> };

const EXPORT = {
  bucket: "acme-exports",
  region: "eu-west-1",
  accessKeyId: "AKIAEXAMPLE",
  secretAccessKey: "s3-secret-never-returned",
  kinds: ["EVENT", "MEMBERSHIP"],
};

const configureS3Export = (input: Record<string, unknown>, on = world, key?: string) =>
  on.graphql<{ configureS3Export: Integration }>(
    "mutation($i: S3ExportInput!) { configureS3Export(input: $i) { id kind status settings } }",
    { i: input },
    key,
  );

describe("configureS3Export", () => {
  it("stores an s3 destination with its defaults and seals the secret access key, which is never returned", async () => {
    const result = await configureS3Export(EXPORT);
    expect(result.errors).toBeUndefined();
    expect(result.data?.configureS3Export).toEqual({
      id: `s3_${world.account}`,
      kind: "s3",
      status: "HEALTHY",
      settings: {
        bucket: "acme-exports",
        region: "eu-west-1",
        prefix: "",
        accessKeyId: "AKIAEXAMPLE",
        forcePathStyle: false,
        kinds: ["EVENT", "MEMBERSHIP"],
        rotateSeconds: 300,
        rotateBytes: 5 * 1024 * 1024,
        enabled: true,
      },
    });
    const listed = await world.graphql("query { integrations { id settings } }");
    expect(JSON.stringify(listed)).not.toContain(EXPORT.secretAccessKey);

    const stored = (await world.services.integrations.get(`s3_${world.account}`)) ?? expect.fail();
    expect(createSecretBox(TEST_MASTER_KEY).open(stored.secret)).toBe(EXPORT.secretAccessKey);
    expect((await world.services.integrations.destinations()).map((i) => i._id)).toContain(`s3_${world.account}`);
  });

  it("replaces the configuration on a second call, keeping one integration", async () => {
    await configureS3Export(EXPORT);
    const second = await configureS3Export({
      ...EXPORT,
      prefix: "masivo/raw",
      // A literal public address: this test's configuration needs no DNS (s3Endpoint.unit.test.ts scripts it).
      endpoint: "https://52.95.128.10/",
      forcePathStyle: true,
      rotateSeconds: 60,
      rotateBytes: 1_048_576,
      enabled: false,
    });
    expect(second.data?.configureS3Export).toMatchObject({
      status: "DISABLED",
      settings: { prefix: "masivo/raw", endpoint: "https://52.95.128.10", forcePathStyle: true, rotateSeconds: 60 },
    });
    const all = (await world.services.integrations.ofAccount(world.account)).filter((i) => i.kind === "s3");
    expect(all).toHaveLength(1);
  });

  it("refuses a bad value, naming its field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ bucket: "Not_A_Bucket" }, "input.bucket"],
      [{ region: "" }, "input.region"],
      [{ prefix: "/leading" }, "input.prefix"],
      [{ prefix: "a//b" }, "input.prefix"],
      [{ accessKeyId: " " }, "input.accessKeyId"],
      [{ secretAccessKey: "" }, "input.secretAccessKey"],
      [{ kinds: [] }, "input.kinds"],
      [{ rotateSeconds: 1 }, "input.rotateSeconds"],
      [{ rotateBytes: 10 }, "input.rotateBytes"],
      [{ endpoint: "http://s3.example.com" }, "input.endpoint"],
      [{ endpoint: "https://s3.example.com/bucket" }, "input.endpoint"],
      [{ endpoint: "https://user:pw@s3.example.com" }, "input.endpoint"],
      [{ endpoint: "https://10.0.0.5" }, "input.endpoint"],
      [{ endpoint: "https://169.254.169.254" }, "input.endpoint"],
      [{ endpoint: "https://[::1]:9000" }, "input.endpoint"],
      [{ endpoint: "https://127.0.0.1:9000" }, "input.endpoint"],
    ];
    for (const [change, field] of cases) {
      expect(refused(await configureS3Export({ ...EXPORT, ...change })), JSON.stringify(change)).toMatchObject({
        code: "BAD_USER_INPUT",
        fields: [field],
      });
    }
  });

  it("refuses an endpoint whose host resolves to a loopback address, naming it", async () => {
    expect(refused(await configureS3Export({ ...EXPORT, endpoint: "https://localhost:9000" }))).toMatchObject({
      fields: ["input.endpoint"],
      messages: [expect.stringMatching(/^localhost is refused: \S+ is a loopback address$/)],
    });
  });

  it("accepts a local store at http://127.0.0.1:<port> only with MASIVO_ALLOW_LOCAL_DESTINATIONS", async () => {
    const local = { ...EXPORT, endpoint: "http://127.0.0.1:9000", forcePathStyle: true };
    expect((await configureS3Export(local)).errors).toBeUndefined();
    expect(refused(await configureS3Export(local, strict))).toMatchObject({
      fields: ["input.endpoint"],
      messages: [expect.stringContaining("MASIVO_ALLOW_LOCAL_DESTINATIONS=1")],
    });
  });

  it("is for ADMIN keys only", async () => {
    const result = await configureS3Export(EXPORT, world, sdkKey);
    expect(result.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});
