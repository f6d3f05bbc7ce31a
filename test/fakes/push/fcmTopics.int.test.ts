import { describe, expect, it } from "vitest";
import { type FakeFcm, startFakeFcm } from "../../../fakes/push/index.ts";
import { FORM, post, signAssertion, tokenRequest } from "./pushHttp.ts";

async function accessToken(fcm: FakeFcm, scope?: string): Promise<string> {
  const answer = await post(fcm.tokenUri, tokenRequest(await signAssertion(fcm.serviceAccount, { scope })), FORM);
  return (answer.body as { access_token: string }).access_token;
}

const IID_HEADERS = (bearer: string) => ({
  authorization: `Bearer ${bearer}`,
  access_token_auth: "true",
  "content-type": "application/json",
});

function batch(fcm: FakeFcm, action: "batchAdd" | "batchRemove", body: unknown, headers: Record<string, string>) {
  return post(`${fcm.url}/iid/v1:${action}`, JSON.stringify(body), headers);
}

const tokensNamed = (count: number) => Array.from({ length: count }, (_, i) => `device-${i}`);

describe("the fake FCM's Instance ID topic calls", () => {
  it("subscribes and unsubscribes tokens, answering one result per token in input order", async () => {
    await using fcm = await startFakeFcm();
    const headers = IID_HEADERS(await accessToken(fcm));
    fcm.unregister("dead-token");

    const added = await batch(
      fcm,
      "batchAdd",
      { to: "/topics/sale", registration_tokens: ["a", "dead-token", "not a token", "b"] },
      headers,
    );
    expect(added).toMatchObject({
      status: 200,
      body: { results: [{}, { error: "NOT_FOUND" }, { error: "INVALID_ARGUMENT" }, {}] },
    });
    expect(fcm.topicTokens("sale")).toEqual(["a", "b"]);
    expect(fcm.topicTokens("/topics/sale")).toEqual(["a", "b"]);

    const removed = await batch(fcm, "batchRemove", { to: "/topics/sale", registration_tokens: ["a"] }, headers);
    expect(removed).toMatchObject({ status: 200, body: { results: [{}] } });
    expect(fcm.topicTokens("sale")).toEqual(["b"]);
    const overHttp = await fetch(`${fcm.url}/__fake/topics/sale`).then((r) => r.json());
    expect(overHttp).toEqual({ tokens: ["b"] });
    expect(fcm.stats().topicCalls).toEqual({ batchAdd: 1, batchRemove: 1 });
  });

  it("answers 401 without our bearer token or without access_token_auth, 403 without the messaging scope", async () => {
    await using fcm = await startFakeFcm();
    const body = { to: "/topics/sale", registration_tokens: ["a"] };
    const bearer = await accessToken(fcm);
    const { access_token_auth: _, ...withoutFlag } = IID_HEADERS(bearer);

    expect(await batch(fcm, "batchAdd", body, IID_HEADERS("ya29.not-ours"))).toMatchObject({
      status: 401,
      body: { error: "UNAUTHENTICATED" },
    });
    expect(await batch(fcm, "batchAdd", body, withoutFlag)).toMatchObject({ status: 401 });
    const unscoped = await accessToken(fcm, "https://www.googleapis.com/auth/devstorage.read_only");
    expect(await batch(fcm, "batchAdd", body, IID_HEADERS(unscoped))).toMatchObject({
      status: 403,
      body: { error: "PERMISSION_DENIED" },
    });
    expect(fcm.topicTokens("sale")).toEqual([]);
  });

  it("refuses more tokens than the limit, naming it, and topic names outside FCM's alphabet", async () => {
    await using fcm = await startFakeFcm();
    const headers = IID_HEADERS(await accessToken(fcm));

    const tooMany = await batch(
      fcm,
      "batchAdd",
      { to: "/topics/sale", registration_tokens: tokensNamed(1001) },
      headers,
    );
    expect(tooMany).toMatchObject({ status: 400, body: { error: "INVALID_ARGUMENT" } });
    expect((tooMany.body as { message: string }).message).toContain("at most 1000");
    const atLimit = await batch(
      fcm,
      "batchAdd",
      { to: "/topics/sale", registration_tokens: tokensNamed(1000) },
      headers,
    );
    expect(atLimit.status).toBe(200);

    for (const to of ["/topics/spring sale", "sale", `/topics/${"x".repeat(901)}`]) {
      const refused = await batch(fcm, "batchAdd", { to, registration_tokens: ["a"] }, headers);
      expect(refused).toMatchObject({ status: 400, body: { error: "INVALID_ARGUMENT" } });
    }
  });

  it("takes a smaller limit when configured", async () => {
    await using fcm = await startFakeFcm({ topicBatchLimit: 2 });
    const headers = IID_HEADERS(await accessToken(fcm));
    const refused = await batch(fcm, "batchAdd", { to: "/topics/t", registration_tokens: tokensNamed(3) }, headers);
    expect((refused.body as { message: string }).message).toContain("at most 2");
  });

  it("applies faults and its own quota with Retry-After, changing nothing for a refused call", async () => {
    await using fcm = await startFakeFcm({ topicRateLimit: { limit: 1, windowMs: 60_000 } });
    const headers = IID_HEADERS(await accessToken(fcm));
    const body = { to: "/topics/sale", registration_tokens: ["a"] };
    fcm.faults.add({ kind: "error", errorCode: "UNAVAILABLE", retryAfterSeconds: 7, times: 1 });

    const faulted = await batch(fcm, "batchAdd", body, headers);
    expect(faulted).toMatchObject({ status: 503, body: { error: "UNAVAILABLE" } });
    expect(faulted.headers.get("retry-after")).toBe("7");
    expect(await batch(fcm, "batchAdd", body, headers)).toMatchObject({ status: 200 });
    const throttled = await batch(fcm, "batchAdd", { ...body, registration_tokens: ["b"] }, headers);
    expect(throttled).toMatchObject({ status: 429, body: { error: "RESOURCE_EXHAUSTED" } });
    expect(throttled.headers.get("retry-after")).toBe("60");
    expect(fcm.topicTokens("sale")).toEqual(["a"]);
  });
});

describe("the fake FCM's topic messages", () => {
  it("records a topic message with the live tokens subscribed when it arrived", async () => {
    await using fcm = await startFakeFcm();
    const bearer = await accessToken(fcm);
    await batch(fcm, "batchAdd", { to: "/topics/sale", registration_tokens: ["a", "b", "c"] }, IID_HEADERS(bearer));
    fcm.unregister("c");

    const sent = await post(
      `${fcm.url}/v1/projects/${fcm.projectId}/messages:send`,
      JSON.stringify({ message: { topic: "sale", notification: { title: "Sale", body: "Today" } } }),
      { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    );
    expect(sent.status).toBe(200);
    await batch(fcm, "batchAdd", { to: "/topics/sale", registration_tokens: ["d"] }, IID_HEADERS(bearer));

    expect(fcm.messages()).toEqual([
      expect.objectContaining({
        target: { topic: "sale" },
        topicTokens: ["a", "b"],
        name: (sent.body as { name: string }).name,
      }),
    ]);
  });

  it("refuses a topic message over 2048 bytes that a token message of the same size passes", async () => {
    await using fcm = await startFakeFcm();
    const bearer = await accessToken(fcm);
    const notification = { title: "Sale", body: "x".repeat(2100) };
    const sendTo = (target: Record<string, string>) =>
      post(
        `${fcm.url}/v1/projects/${fcm.projectId}/messages:send`,
        JSON.stringify({ message: { ...target, notification } }),
        { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      );
    expect(await sendTo({ topic: "sale" })).toMatchObject({
      status: 400,
      body: { error: { status: "INVALID_ARGUMENT" } },
    });
    expect(await sendTo({ token: "a" })).toMatchObject({ status: 200 });
  });
});
