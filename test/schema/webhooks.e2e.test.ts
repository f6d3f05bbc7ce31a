import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretBox, readWebhookSecrets } from "../../store/index.ts";
import { createWorld, TEST_MASTER_KEY, uniqueId, type World } from "../support/world.ts";

/**
 * Webhook endpoints through the gateway: the secret is shown once and stored sealed, the URL is
 * checked at configuration (https to a public address; loopback only with
 * MASIVO_ALLOW_LOCAL_DESTINATIONS), and a rotation keeps the old secret signing for 24 h.
 */
let world: World;
let strict: World;
const secrets = createSecretBox(TEST_MASTER_KEY);

beforeAll(async () => {
  const database = uniqueId("db");
  [world, strict] = await Promise.all([
    createWorld({ database }),
    createWorld({ database, allowLocalDestinations: false }),
  ]);
});
afterAll(async () => {
  await Promise.all([world?.close(), strict?.close()]);
});

type NewWebhook = {
  webhook: { id: string; kind: string; status: string; settings: Record<string, unknown> };
  secret: string;
};
const CREATE = `mutation ($input: WebhookInput!) { createWebhook(input: $input) { webhook { id kind status settings } secret } }`;
const create = (input: Record<string, unknown>, on: World = world) =>
  on.graphql<{ createWebhook: NewWebhook }>(CREATE, { input: { kinds: ["EVENT"], ...input } });
const storedSecrets = async (id: string) => {
  const stored = await world.services.webhooks.get(world.account, id);
  return readWebhookSecrets(secrets.open(stored?.secret ?? expect.fail("not stored")));
};

describe("webhooks in GraphQL", () => {
  it("creates an endpoint, showing its whsec_ secret once and storing it sealed", async () => {
    const created = await create({
      url: "http://127.0.0.1:9999/hooks",
      kinds: ["EVENT", "MEMBERSHIP", "EVENT"],
      audienceIds: ["aud-1"],
    });
    expect(created.errors).toBeUndefined();
    const { webhook, secret } = created.data?.createWebhook ?? expect.fail("no webhook");
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook).toMatchObject({
      kind: "webhook",
      status: "HEALTHY",
      settings: {
        url: "http://127.0.0.1:9999/hooks",
        kinds: ["EVENT", "MEMBERSHIP"],
        audienceIds: ["aud-1"],
        enabled: true,
        maxPerSecond: 50,
      },
    });
    expect(JSON.stringify(webhook)).not.toContain(secret);
    expect(await storedSecrets(webhook.id)).toEqual({ keys: [{ key: secret }] });
    const listed = await world.graphql<{ integrations: { id: string; settings: Record<string, unknown> }[] }>(
      "{ integrations { id settings } }",
    );
    expect(JSON.stringify(listed.data)).not.toContain(secret);
  });

  it.each([
    ["http://hooks.example.com/", "must be https"],
    ["https://10.1.2.3/hooks", "10.1.2.3 is refused: 10.1.2.3 is a private address"],
    ["https://169.254.169.254/latest/meta-data", "169.254.169.254 is refused: 169.254.169.254 is a linkLocal address"],
    ["https://[::1]/hooks", "::1 is refused: ::1 is a loopback address"],
    ["https://localhost/hooks", "localhost is refused"],
    ["https://user:pass@hooks.example.com/", "must not hold credentials"],
    ["not a url", "must be an absolute URL"],
  ])("refuses %s at configuration", async (url, message) => {
    const refused = await create({ url });
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      issues: [{ field: "input.url", message: expect.stringContaining(message) }],
    });
  });

  it("takes an endpoint's own rate, within 1–10,000 deliveries a second", async () => {
    const created = await create({ url: "http://127.0.0.1:9999/fast", maxPerSecond: 2_000 });
    const { webhook } = created.data?.createWebhook ?? expect.fail("no webhook");
    expect(webhook.settings.maxPerSecond).toBe(2_000);
    const UPDATE =
      "mutation ($id: ID!, $input: WebhookChanges!) { updateWebhook(id: $id, input: $input) { settings } }";
    const slower = await world.graphql<{ updateWebhook: { settings: Record<string, unknown> } }>(UPDATE, {
      id: webhook.id,
      input: { maxPerSecond: 10 },
    });
    expect(slower.data?.updateWebhook.settings.maxPerSecond).toBe(10);
    for (const [maxPerSecond, message] of [
      [0, "must be at least 1"],
      [10_001, "must be at most 10000"],
    ] as const) {
      const refused = await create({ url: "http://127.0.0.1:9999/fast", maxPerSecond });
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        issues: [{ field: "input.maxPerSecond", message }],
      });
      const unchanged = await world.graphql(UPDATE, { id: webhook.id, input: { maxPerSecond } });
      expect(unchanged.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
    expect((await world.services.webhooks.get(world.account, webhook.id))?.settings.maxPerSecond).toBe(10);
  });

  it("accepts a loopback endpoint only with MASIVO_ALLOW_LOCAL_DESTINATIONS", async () => {
    const refused = await create({ url: "http://127.0.0.1:9999/hooks" }, strict);
    expect(refused.errors?.[0]?.message).toContain("MASIVO_ALLOW_LOCAL_DESTINATIONS=1");
  });

  it("rotates the secret: both sign for 24 h, the new one shown once", async () => {
    const created = (await create({ url: "http://127.0.0.1:9999/a" })).data?.createWebhook ?? expect.fail("no webhook");
    const before = Date.now();
    const rotated = await world.graphql<{ rotateWebhookSecret: NewWebhook }>(
      "mutation ($id: ID!) { rotateWebhookSecret(id: $id) { webhook { id } secret } }",
      { id: created.webhook.id },
    );
    const secret = rotated.data?.rotateWebhookSecret.secret ?? expect.fail("no secret");
    expect(secret).not.toBe(created.secret);
    const { keys } = await storedSecrets(created.webhook.id);
    expect(keys.map(({ key }) => key)).toEqual([secret, created.secret]);
    const until = Date.parse(keys[1]?.until ?? "");
    expect(until - before).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(until - before).toBeLessThan(24 * 3_600_000 + 60_000);
  });

  it("updates what is given, checking the URL again, and deletes", async () => {
    const created = (await create({ url: "http://127.0.0.1:9999/b" })).data?.createWebhook ?? expect.fail("no webhook");
    const { id } = created.webhook;
    const UPDATE =
      "mutation ($id: ID!, $input: WebhookChanges!) { updateWebhook(id: $id, input: $input) { status settings } }";
    const updated = await world.graphql<{ updateWebhook: { status: string; settings: Record<string, unknown> } }>(
      UPDATE,
      {
        id,
        input: { kinds: ["PROFILE", "DELETED"], enabled: false },
      },
    );
    expect(updated.data?.updateWebhook).toEqual({
      status: "DISABLED",
      settings: { url: "http://127.0.0.1:9999/b", kinds: ["PROFILE", "DELETED"], enabled: false, maxPerSecond: 50 },
    });
    const refused = await world.graphql(UPDATE, { id, input: { url: "https://10.0.0.1/" } });
    expect(refused.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const DELETE = "mutation ($id: ID!) { deleteWebhook(id: $id) }";
    expect((await world.graphql<{ deleteWebhook: boolean }>(DELETE, { id })).data?.deleteWebhook).toBe(true);
    const again = await world.graphql(DELETE, { id });
    expect(again.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("asks for a replay from a time past, refusing one in the future", async () => {
    const created = (await create({ url: "http://127.0.0.1:9999/c" })).data?.createWebhook ?? expect.fail("no webhook");
    const REPLAY = "mutation ($id: ID!, $since: DateTime!) { replayWebhook(id: $id, since: $since) }";
    const since = "2026-01-02T03:04:05.000Z";
    const replayed = await world.graphql<{ replayWebhook: boolean }>(REPLAY, { id: created.webhook.id, since });
    expect(replayed.data?.replayWebhook).toBe(true);
    const stored = await world.services.webhooks.get(world.account, created.webhook.id);
    expect(stored?.replay?.since).toEqual(new Date(since));
    expect(stored?.configVersion).toBe(2);
    const future = new Date(Date.now() + 60_000).toISOString();
    const refused = await world.graphql(REPLAY, { id: created.webhook.id, since: future });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", issues: [{ field: "since" }] });
    const unknown = await world.graphql(REPLAY, { id: "webhook_nobody", since });
    expect(unknown.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });
});
