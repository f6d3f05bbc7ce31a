import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { INTERNAL_EVENT_NAMES } from "../../model/index.ts";
import { connectNats, type NatsLink, STREAM_NAMES } from "../../streams/index.ts";
import { createTestAccount, startGateways, type TestGateway } from "../support/gateways.ts";
import { postGraphQL } from "../support/startTestMasivo.ts";
import { readStream, waitFor } from "../support/streamReader.ts";
import { createTokenSigner, type TokenSigner } from "../support/userTokens.ts";

let a: TestGateway;
let b: TestGateway;
let link: NatsLink;
let es256: TokenSigner;
let rs256: TokenSigner;
let stranger: TokenSigner;
beforeAll(async () => {
  [a, b] = (await startGateways(2)) as [TestGateway, TestGateway];
  link = await connectNats(inject("natsUrl"), "sdk-authentication-test");
  [es256, rs256, stranger] = await Promise.all([
    createTokenSigner("ES256"),
    createTokenSigner("RS256"),
    createTokenSigner("RS256"),
  ]);
});
afterAll(async () => {
  await link?.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

const TRACK = "mutation($events: [EventInput!]!) { trackEvents(events: $events) { accepted } }";
const REGISTER = "mutation($input: DeviceInput!) { registerDevice(input: $input) { accepted } }";
const UNREGISTER = 'mutation($c: ID!) { unregisterDevice(customerId: $c, token: "t-1") { accepted } }';
const CONFIGURE =
  "mutation($input: SdkAuthenticationInput!) { configureSdkAuthentication(input: $input) { required publicKeys updatedAt } }";
const SETTINGS = "{ sdkAuthentication { required publicKeys } }";

type Call = { query: string; variables?: Record<string, unknown>; token?: string };
const call = (gateway: TestGateway, key: string, { query, variables, token }: Call) =>
  postGraphQL(gateway.baseUrl, key, { query, variables }, token === undefined ? {} : { "x-masivo-user": token });
const errorOf = (result: Awaited<ReturnType<typeof call>>) => result.body.errors?.[0];

const ingested = async (account: string) => (await readStream(link, STREAM_NAMES.ingest, `in.${account}.>`)).length;

const event = (customerId: string, name = "opened", properties: Record<string, unknown> = {}) => ({
  customerId,
  name,
  properties,
});

/** Properties each internal event would be accepted with from an ADMIN key. */
const VALID_PROPERTIES: Record<string, Record<string, unknown>> = {
  FULFILL: { orderId: "o-1", currency: "USD", items: [{ sku: "s-1", price: 10, quantity: 1 }] },
  REVERSE: { orderId: "o-1" },
  CANCEL: { orderId: "o-1" },
};

describe("internal events", () => {
  let account: { account: string; adminKey: string; sdkKey: string };
  beforeAll(async () => {
    account = await createTestAccount(a);
  });

  it.each(INTERNAL_EVENT_NAMES)(
    "are refused from an SDK key, %s naming its place, and nothing is stored",
    async (name) => {
      const before = await ingested(account.account);
      const events = [event("c-1"), event("c-2"), event("c-1", "viewed"), event("c-1", name, VALID_PROPERTIES[name])];
      const result = await call(a, account.sdkKey, { query: TRACK, variables: { events } });
      expect(errorOf(result)).toMatchObject({
        message: expect.stringMatching(new RegExp(`^events\\[3\\]\\.name: .*${name}`)),
        extensions: { code: "FORBIDDEN", field: "events[3].name" },
      });
      expect(result.body.data ?? null).toBeNull();
      expect(await ingested(account.account)).toBe(before);
    },
  );

  it("are refused from an SDK key whatever spaces surround the name, before their properties are checked", async () => {
    const result = await call(a, account.sdkKey, { query: TRACK, variables: { events: [event("c-1", " FULFILL ")] } });
    expect(errorOf(result)?.extensions).toMatchObject({ code: "FORBIDDEN", field: "events[0].name" });
  });

  it("are still accepted from an ADMIN key", async () => {
    const events = INTERNAL_EVENT_NAMES.map((name) => event("c-1", name, VALID_PROPERTIES[name]));
    const result = await call(a, account.adminKey, { query: TRACK, variables: { events } });
    expect(result.body).toEqual({ data: { trackEvents: { accepted: INTERNAL_EVENT_NAMES.length } } });
  });
});

describe("SDK authentication", () => {
  let account: { account: string; adminKey: string; sdkKey: string };
  const configure = (input: { required: boolean; publicKeys: string[] }, gateway = a) =>
    call(gateway, account.adminKey, { query: CONFIGURE, variables: { input } });
  const settings = async (gateway: TestGateway) =>
    ((await call(gateway, account.adminKey, { query: SETTINGS })).body.data as { sdkAuthentication: unknown })
      .sdkAuthentication;
  const track = (customerId: string, token?: string, gateway = a) =>
    call(gateway, account.sdkKey, { query: TRACK, variables: { events: [event(customerId)] }, token });

  beforeAll(async () => {
    account = await createTestAccount(a);
    // Gateway b now holds the account's settings (none) in its cache.
    expect((await track("anyone", undefined, b)).body.data).toEqual({ trackEvents: { accepted: 1 } });
  });

  describe("configuration", () => {
    const privateKey = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();

    it.each([
      ["a key that is not PEM, by its index", () => [es256.publicKey, "garbage"], "input.publicKeys[1]"],
      ["a private key", () => [privateKey], "input.publicKeys[0]"],
      ["a key over 4,096 characters", () => [`${es256.publicKey}${" ".repeat(4_000)}x`], "input.publicKeys[0]"],
      ["more than 10 keys", () => Array.from({ length: 11 }, () => es256.publicKey), "input.publicKeys"],
    ])("refuses %s as BAD_USER_INPUT, changing nothing", async (_name, publicKeys, field) => {
      const result = await configure({ required: true, publicKeys: publicKeys() });
      expect(errorOf(result)?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
      expect(errorOf(result)?.message).toMatch(new RegExp(`^${field.replace(/[[\].]/g, "\\$&")}: `));
      expect(await settings(a)).toEqual({ required: false, publicKeys: [] });
    });

    it("refuses to require tokens with no key to verify them", async () => {
      const result = await configure({ required: true, publicKeys: [] });
      expect(errorOf(result)?.message).toMatch(/^input\.publicKeys: must hold at least one key when required/);
    });

    it("is for ADMIN keys only", async () => {
      const result = await call(a, account.sdkKey, {
        query: CONFIGURE,
        variables: { input: { required: false, publicKeys: [] } },
      });
      expect(errorOf(result)?.extensions?.code).toBe("FORBIDDEN");
      expect(errorOf(await call(a, account.sdkKey, { query: SETTINGS }))?.extensions?.code).toBe("FORBIDDEN");
    });
  });

  describe("required", () => {
    beforeAll(async () => {
      const result = await configure({ required: true, publicKeys: [es256.publicKey, rs256.publicKey] });
      expect(result.body.data).toMatchObject({
        configureSdkAuthentication: { required: true, publicKeys: [es256.publicKey.trim(), rs256.publicKey.trim()] },
      });
    });

    it("reaches every gateway within a second", async () => {
      const configuredAt = Date.now();
      const refused = await waitFor(
        "gateway b to refuse an SDK request without a token",
        async () => {
          const result = await track("anyone", undefined, b);
          return result.status === 401 ? Date.now() : undefined;
        },
        1_000,
      );
      expect(refused - configuredAt).toBeLessThan(1_000);
      expect(await settings(b)).toEqual({
        required: true,
        publicKeys: [es256.publicKey.trim(), rs256.publicKey.trim()],
      });
    });

    it.each([
      ["without a token", async () => undefined, "MISSING"],
      [
        "with an expired token",
        () => es256.sign({ sub: "c-1", exp: Math.floor(Date.now() / 1000) - 3_600 }),
        "EXPIRED",
      ],
      ["with a token signed by an unknown key", () => stranger.sign({ sub: "c-1" }), "UNKNOWN_KEY"],
      ["with a token without exp", () => rs256.sign({ sub: "c-1", exp: null }), "INVALID_CLAIMS"],
      ["with a token that is not a JWT", async () => "garbage", "MALFORMED"],
    ])(
      "refuses an SDK request %s as UNAUTHENTICATED, on every gateway, storing nothing",
      async (_name, token, reason) => {
        const before = await ingested(account.account);
        for (const gateway of [a, b]) {
          const result = await track("c-1", await token(), gateway);
          expect(result.status).toBe(401);
          expect(errorOf(result)).toMatchObject({
            message: expect.stringMatching(/^X-Masivo-User: /),
            extensions: { code: "UNAUTHENTICATED", reason },
          });
          // Every SDK operation, not only ingestion.
          const viewer = await call(gateway, account.sdkKey, { query: "{ viewer { account } }", token: await token() });
          expect(errorOf(viewer)?.extensions?.code).toBe("UNAUTHENTICATED");
        }
        expect(await ingested(account.account)).toBe(before);
      },
    );

    it.each(["ES256", "RS256"] as const)("accepts a valid %s token for its own customer", async (algorithm) => {
      const token = await (algorithm === "ES256" ? es256 : rs256).sign({ sub: "c-1" });
      for (const gateway of [a, b]) {
        expect((await track("c-1", token, gateway)).body).toEqual({ data: { trackEvents: { accepted: 1 } } });
        const device = await call(gateway, account.sdkKey, {
          query: REGISTER,
          variables: { input: { customerId: "c-1", token: "t-1", platform: "IOS" } },
          token,
        });
        expect(device.body).toEqual({ data: { registerDevice: { accepted: 1 } } });
        const removed = await call(gateway, account.sdkKey, { query: UNREGISTER, variables: { c: "c-1" }, token });
        expect(removed.body).toEqual({ data: { unregisterDevice: { accepted: 1 } } });
        const viewer = await call(gateway, account.sdkKey, { query: "{ viewer { role customerId } }", token });
        expect(viewer.body.data).toEqual({ viewer: { role: "SDK", customerId: "c-1" } });
      }
    });

    it.each([
      [
        "an event of another customer",
        { query: TRACK, variables: { events: [event("c-1"), event("c-2")] } },
        "events[1].customerId",
      ],
      [
        "registering a device to another customer",
        { query: REGISTER, variables: { input: { customerId: "c-2", token: "t-1", platform: "ANDROID" } } },
        "input.customerId",
      ],
      ["unregistering another customer's device", { query: UNREGISTER, variables: { c: "c-2" } }, "customerId"],
    ])("refuses %s as FORBIDDEN, naming the field, storing nothing", async (_name, request, field) => {
      const before = await ingested(account.account);
      const token = await es256.sign({ sub: "c-1" });
      const result = await call(b, account.sdkKey, { ...request, token });
      expect(errorOf(result)?.extensions).toMatchObject({ code: "FORBIDDEN", field });
      expect(errorOf(result)?.message).toMatch(new RegExp(`^${field.replace(/[[\].]/g, "\\$&")}: `));
      expect(await ingested(account.account)).toBe(before);
    });

    it("never asks an ADMIN key for a token, and ignores one it sends", async () => {
      for (const token of [undefined, "garbage"]) {
        const result = await call(a, account.adminKey, {
          query: TRACK,
          variables: { events: [event("c-1"), event("c-2")] },
          token,
        });
        expect(result.body).toEqual({ data: { trackEvents: { accepted: 2 } } });
      }
    });
  });

  describe("not required", () => {
    it("verifies a token that is sent and binds the request to its customer; requests without one go on", async () => {
      await configure({ required: false, publicKeys: [es256.publicKey] });
      await waitFor("gateway b to accept an SDK request without a token", async () =>
        (await track("anyone", undefined, b)).status === 200 ? true : undefined,
      );
      const token = await es256.sign({ sub: "c-1" });
      expect((await track("c-1", token, b)).body.data).toEqual({ trackEvents: { accepted: 1 } });
      expect(errorOf(await track("c-2", token, b))?.extensions?.code).toBe("FORBIDDEN");
      const expired = await es256.sign({ sub: "c-1", exp: Math.floor(Date.now() / 1000) - 3_600 });
      expect(errorOf(await track("c-1", expired, b))?.extensions).toMatchObject({
        code: "UNAUTHENTICATED",
        reason: "EXPIRED",
      });
    });

    it("ignores tokens while the account has no key to verify them with", async () => {
      await configure({ required: false, publicKeys: [] });
      const result = await waitFor("gateway b to drop the account's keys", async () => {
        const answer = await track("c-2", "garbage", b);
        return answer.status === 200 ? answer : undefined;
      });
      expect(result.body.data).toEqual({ trackEvents: { accepted: 1 } });
    });
  });
});
