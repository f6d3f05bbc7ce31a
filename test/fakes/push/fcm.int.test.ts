import { describe, expect, it } from "vitest";
import { type FakeFcm, startFakeFcm } from "../../../fakes/push/index.ts";
import { waitFor } from "../../support/streamReader.ts";
import { FORM, post, signAssertion, tokenRequest } from "./pushHttp.ts";

async function accessToken(fcm: FakeFcm): Promise<string> {
  const answer = await post(fcm.tokenUri, tokenRequest(await signAssertion(fcm.serviceAccount)), FORM);
  expect(answer.status).toBe(200);
  return (answer.body as { access_token: string }).access_token;
}

function send(fcm: FakeFcm, bearer: string, message: unknown, project = fcm.projectId) {
  return post(`${fcm.url}/v1/projects/${project}/messages:send`, JSON.stringify({ message }), {
    authorization: `Bearer ${bearer}`,
    "content-type": "application/json",
  });
}

const errorCodeOf = (body: unknown) =>
  (body as { error: { details?: { errorCode: string }[] } }).error.details?.[0]?.errorCode;

describe("the OAuth token endpoint", () => {
  it("exchanges an assertion signed with the service account's key for a bearer token", async () => {
    await using fcm = await startFakeFcm();
    expect(fcm.serviceAccount).toMatchObject({
      type: "service_account",
      project_id: "fake-project",
      token_uri: fcm.tokenUri,
    });
    const answer = await post(fcm.tokenUri, tokenRequest(await signAssertion(fcm.serviceAccount)), FORM);
    expect(answer).toMatchObject({ status: 200, body: { expires_in: 3599, token_type: "Bearer" } });
    expect(fcm.stats().tokensIssued).toBe(1);
  });

  it("refuses an assertion signed by another key, for another issuer, or without a scope", async () => {
    await using fcm = await startFakeFcm();
    await using other = await startFakeFcm();
    const foreign = await signAssertion({
      ...other.serviceAccount,
      client_email: fcm.serviceAccount.client_email,
      token_uri: fcm.tokenUri,
      private_key_id: fcm.serviceAccount.private_key_id,
    });
    expect(await post(fcm.tokenUri, tokenRequest(foreign), FORM)).toMatchObject({
      status: 400,
      body: { error: "invalid_grant", error_description: "Invalid JWT Signature." },
    });
    const stranger = await signAssertion(fcm.serviceAccount, { iss: "someone@else.iam.gserviceaccount.com" });
    expect((await post(fcm.tokenUri, tokenRequest(stranger), FORM)).body).toMatchObject({ error: "invalid_grant" });
    const unscoped = await signAssertion(fcm.serviceAccount, { scope: "" });
    expect((await post(fcm.tokenUri, tokenRequest(unscoped), FORM)).body).toMatchObject({ error: "invalid_scope" });
    const wrongGrant = new URLSearchParams({ grant_type: "client_credentials" }).toString();
    expect((await post(fcm.tokenUri, wrongGrant, FORM)).body).toMatchObject({ error: "unsupported_grant_type" });
    expect(fcm.stats().tokensIssued).toBe(0);
  });
});

describe("messages:send", () => {
  it("delivers with a valid token and records the message with its android and apns fields", async () => {
    await using fcm = await startFakeFcm();
    const bearer = await accessToken(fcm);
    const message = {
      token: "device-1",
      notification: { title: "Hi", body: "There" },
      data: { campaign: "c1" },
      android: { collapse_key: "send-key-1", ttl: "3600s", priority: "HIGH" },
      apns: { headers: { "apns-collapse-id": "send-key-1" }, payload: { aps: { badge: 1 } } },
    };
    const answer = await send(fcm, bearer, message);
    expect(answer.status).toBe(200);
    expect((answer.body as { name: string }).name).toMatch(/^projects\/fake-project\/messages\/\d+$/);
    expect(fcm.messages("device-1")).toEqual([
      {
        name: (answer.body as { name: string }).name,
        target: { token: "device-1" },
        message,
        time: expect.any(Number),
      },
    ]);
  });

  it("answers 401 UNAUTHENTICATED without a token we issued, 403 for another project", async () => {
    await using fcm = await startFakeFcm();
    expect(await send(fcm, "ya29.made-up", { token: "d" })).toMatchObject({
      status: 401,
      body: { error: { code: 401, status: "UNAUTHENTICATED" } },
    });
    const bearer = await accessToken(fcm);
    expect(await send(fcm, bearer, { token: "d" }, "other-project")).toMatchObject({
      status: 403,
      body: { error: { status: "PERMISSION_DENIED" } },
    });
    expect(fcm.messages()).toEqual([]);
  });

  it("validates: exactly one target, string data values, unknown fields, the 4096-byte payload", async () => {
    await using fcm = await startFakeFcm();
    const bearer = await accessToken(fcm);
    const invalid = [
      { token: "d", topic: "news" },
      {},
      { token: "d", data: { count: 1 } },
      { token: "d", surprise: true },
      { token: "d", android: { ttl: "an hour" } },
      { token: "d", android: { ttl: "2419201s" } },
      { token: "d", data: { from: "me" } },
      { token: "d", data: { "google.sent_time": "1" } },
      { token: "d", data: { blob: "x".repeat(4100) } },
      { topic: "news", data: { blob: "x".repeat(2100) } },
    ];
    for (const message of invalid) {
      const answer = await send(fcm, bearer, message);
      expect(answer).toMatchObject({ status: 400, body: { error: { code: 400, status: "INVALID_ARGUMENT" } } });
      expect(errorCodeOf(answer.body)).toBe("INVALID_ARGUMENT");
    }
    expect((await send(fcm, bearer, { token: "d", data: { blob: "x".repeat(4000) } })).status).toBe(200);
    expect(fcm.messages()).toHaveLength(1);
  });

  it("answers 404 UNREGISTERED for a dead token, registered in process or over HTTP", async () => {
    await using fcm = await startFakeFcm({ unregisteredTokens: ["dead-1"] });
    const bearer = await accessToken(fcm);
    await post(`${fcm.url}/__fake/unregistered`, JSON.stringify({ tokens: ["dead-2"] }));
    for (const token of ["dead-1", "dead-2"]) {
      const answer = await send(fcm, bearer, { token });
      expect(answer).toMatchObject({ status: 404, body: { error: { status: "NOT_FOUND" } } });
      expect(errorCodeOf(answer.body)).toBe("UNREGISTERED");
    }
    expect(fcm.messages()).toEqual([]);
  });

  it("enforces the project quota with 429 RESOURCE_EXHAUSTED and Retry-After", async () => {
    let clock = 1_000_000;
    await using fcm = await startFakeFcm({ rateLimit: { limit: 2, windowMs: 60_000 }, now: () => clock });
    const bearer = await accessToken(fcm);
    expect((await send(fcm, bearer, { token: "a" })).status).toBe(200);
    expect((await send(fcm, bearer, { token: "b" })).status).toBe(200);
    const refused = await send(fcm, bearer, { token: "c" });
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 429, status: "RESOURCE_EXHAUSTED" } } });
    expect(errorCodeOf(refused.body)).toBe("QUOTA_EXCEEDED");
    expect(refused.headers.get("retry-after")).toBe("30");
    clock += 30_000;
    expect((await send(fcm, bearer, { token: "c" })).status).toBe(200);
    expect(fcm.stats().statuses).toEqual({ "200": 3, "429": 1 });
  });

  it("injects faults per token: 503 UNAVAILABLE with Retry-After, once", async () => {
    await using fcm = await startFakeFcm();
    const bearer = await accessToken(fcm);
    const added = await post(
      `${fcm.url}/__fake/faults`,
      JSON.stringify({ kind: "error", errorCode: "UNAVAILABLE", token: "flaky", times: 1, retryAfterSeconds: 7 }),
    );
    expect(added.status).toBe(201);
    expect((await send(fcm, bearer, { token: "steady" })).status).toBe(200);
    const failed = await send(fcm, bearer, { token: "flaky" });
    expect(failed).toMatchObject({ status: 503, body: { error: { status: "UNAVAILABLE" } } });
    expect(failed.headers.get("retry-after")).toBe("7");
    expect((await send(fcm, bearer, { token: "flaky" })).status).toBe(200);
    expect(fcm.faults.list()).toEqual([]);
  });
});

describe("access tokens, dry runs and timeouts", () => {
  it("stop working once expired: 401 after expires_in", async () => {
    let clock = Date.now();
    await using fcm = await startFakeFcm({ tokenLifetimeSeconds: 60, now: () => clock });
    const bearer = await accessToken(fcm);
    expect((await send(fcm, bearer, { token: "d" })).status).toBe(200);
    clock += 60_000;
    expect((await send(fcm, bearer, { token: "d" })).status).toBe(401);
  });

  it("validate_only checks the message and delivers nothing", async () => {
    await using fcm = await startFakeFcm();
    const bearer = await accessToken(fcm);
    const dryRun = await post(
      `${fcm.url}/v1/projects/${fcm.projectId}/messages:send`,
      JSON.stringify({ validate_only: true, message: { token: "d", notification: { title: "t" } } }),
      { authorization: `Bearer ${bearer}` },
    );
    expect(dryRun).toMatchObject({ status: 200, body: { name: "projects/fake-project/messages/fake_message_id" } });
    expect(fcm.messages()).toEqual([]);
  });

  it("a timeout fault without ms never answers, is counted as such, and close() still returns", async () => {
    const fcm = await startFakeFcm();
    const bearer = await accessToken(fcm);
    fcm.faults.add({ kind: "timeout", token: "slow" });
    const pending = send(fcm, bearer, { token: "slow" });
    pending.catch(() => undefined);
    await waitFor("the held send to arrive", async () => (fcm.stats().statuses.none === 1 ? true : undefined));
    expect((await send(fcm, bearer, { token: "fast" })).status).toBe(200);
    const stats = await fetch(`${fcm.url}/__fake/stats`).then((r) => r.json());
    expect(stats).toMatchObject({ delivered: 1, statuses: { "200": 1, none: 1 } });
    await fcm.close();
    await expect(pending).rejects.toThrow();
  });

  it("a timeout fault with ms holds the send, then delivers it", async () => {
    await using fcm = await startFakeFcm();
    const bearer = await accessToken(fcm);
    fcm.faults.add({ kind: "timeout", ms: 100, times: 1 });
    const started = performance.now();
    expect((await send(fcm, bearer, { token: "d" })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect(fcm.messages("d")).toHaveLength(1);
  });
});

describe("the control endpoints", () => {
  it("list, delete and clear faults, and reset forgets messages but keeps dead tokens", async () => {
    await using fcm = await startFakeFcm({ unregisteredTokens: ["dead"] });
    const bearer = await accessToken(fcm);
    const { id } = (await post(`${fcm.url}/__fake/faults`, JSON.stringify({ kind: "error", errorCode: "INTERNAL" })))
      .body as { id: string };
    expect(await post(`${fcm.url}/__fake/faults`, JSON.stringify({ kind: "error", errorCode: "NOPE" }))).toMatchObject({
      status: 400,
    });
    const listed = await fetch(`${fcm.url}/__fake/faults`).then((r) => r.json());
    expect(listed).toEqual({ faults: [{ kind: "error", errorCode: "INTERNAL", id, remaining: null, hits: 0 }] });
    expect((await send(fcm, bearer, { token: "d" })).status).toBe(500);
    expect((await fetch(`${fcm.url}/__fake/faults/${id}`, { method: "DELETE" })).status).toBe(200);
    expect((await send(fcm, bearer, { token: "d" })).status).toBe(200);
    const messages = await fetch(`${fcm.url}/__fake/messages?token=d`).then((r) => r.json());
    expect(messages.messages).toHaveLength(1);
    expect((await post(`${fcm.url}/__fake/reset`, "")).status).toBe(200);
    expect(fcm.messages()).toEqual([]);
    expect(fcm.stats()).toEqual({
      tokensIssued: 0,
      delivered: 0,
      statuses: {},
      topicCalls: { batchAdd: 0, batchRemove: 0 },
    });
    const again = await accessToken(fcm);
    expect((await send(fcm, again, { token: "dead" })).status).toBe(404);
  });
});
