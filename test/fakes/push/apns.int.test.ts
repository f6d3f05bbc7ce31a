import { type ClientHttp2Session, connect } from "node:http2";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeApns, startFakeApns } from "../../../fakes/push/index.ts";
import { h2Request, post, providerToken } from "./pushHttp.ts";

const TOPIC = "com.example.app";
const DEVICE = "a".repeat(64);
const payload = (extra: object = {}) => JSON.stringify({ aps: { alert: { title: "Hi", body: "There" } }, ...extra });

const sessions: ClientHttp2Session[] = [];
afterEach(() => {
  for (const session of sessions.splice(0)) session.destroy();
});

async function client(apns: FakeApns) {
  const session = connect(apns.url);
  sessions.push(session);
  const bearer = `bearer ${await providerToken(apns.credentials)}`;
  return (device: string, headers: Record<string, string> = {}, body: string | Buffer = payload()) =>
    h2Request(session, `/3/device/${device}`, { authorization: bearer, "apns-topic": TOPIC, ...headers }, body);
}

describe("the provider token", () => {
  it("must be ES256, signed by the key, with the configured kid and iss, and at most an hour old", async () => {
    await using apns = await startFakeApns();
    await using other = await startFakeApns();
    const session = connect(apns.url);
    sessions.push(session);
    const sendWith = (authorization?: string) =>
      h2Request(
        session,
        `/3/device/${DEVICE}`,
        authorization === undefined ? { "apns-topic": TOPIC } : { authorization, "apns-topic": TOPIC },
        payload(),
      );
    expect((await sendWith()).body).toEqual({ reason: "MissingProviderToken" });
    const foreign = await providerToken(other.credentials);
    expect(await sendWith(`bearer ${foreign}`)).toMatchObject({
      status: 403,
      body: { reason: "InvalidProviderToken" },
    });
    const wrongTeam = await providerToken({ ...apns.credentials, teamId: "OTHERTEAM1" });
    expect((await sendWith(`bearer ${wrongTeam}`)).body).toEqual({ reason: "InvalidProviderToken" });
    const wrongKid = await providerToken({ ...apns.credentials, keyId: "OTHERKEY01" });
    expect((await sendWith(`bearer ${wrongKid}`)).body).toEqual({ reason: "InvalidProviderToken" });
    const old = await providerToken(apns.credentials, Math.floor(Date.now() / 1000) - 3700);
    expect(await sendWith(`bearer ${old}`)).toMatchObject({ status: 403, body: { reason: "ExpiredProviderToken" } });
    expect((await sendWith(`bearer ${await providerToken(apns.credentials)}`)).status).toBe(200);
    expect(apns.messages()).toHaveLength(1);
  });
});

describe("POST /3/device/{token}", () => {
  it("delivers: 200 with the apns-id, recording the headers and payload", async () => {
    await using apns = await startFakeApns({ topics: [TOPIC] });
    const send = await client(apns);
    const apnsId = "123e4567-e89b-12d3-a456-426614174000";
    const headers = {
      "apns-push-type": "alert",
      "apns-priority": "10",
      "apns-expiration": "1900000000",
      "apns-collapse-id": "send-key-1",
      "apns-id": apnsId,
    };
    const answer = await send(DEVICE, headers);
    expect(answer).toMatchObject({ status: 200, headers: { "apns-id": apnsId }, body: undefined });
    expect(apns.messages(DEVICE)).toEqual([
      {
        apnsId,
        deviceToken: DEVICE,
        topic: TOPIC,
        pushType: "alert",
        priority: 10,
        expiration: 1_900_000_000,
        collapseId: "send-key-1",
        payload: JSON.parse(payload()),
        time: expect.any(Number),
      },
    ]);
  });

  it("answers 400 with the reason for bad headers and device tokens", async () => {
    await using apns = await startFakeApns({ topics: [TOPIC] });
    const send = await client(apns);
    const cases: [string, Record<string, string>, string][] = [
      ["not-hex", {}, "BadDeviceToken"],
      ["ab", {}, "BadDeviceToken"],
      [DEVICE, { "apns-topic": "" }, "MissingTopic"],
      [DEVICE, { "apns-topic": "com.other.app" }, "TopicDisallowed"],
      [DEVICE, { "apns-collapse-id": "k".repeat(65) }, "BadCollapseId"],
      [DEVICE, { "apns-priority": "7" }, "BadPriority"],
      [DEVICE, { "apns-push-type": "loud" }, "InvalidPushType"],
      [DEVICE, { "apns-expiration": "tomorrow" }, "BadExpirationDate"],
      [DEVICE, { "apns-id": "not-a-uuid" }, "BadMessageId"],
    ];
    for (const [device, headers, reason] of cases) {
      expect(await send(device, headers), reason).toMatchObject({ status: 400, body: { reason } });
    }
    expect((await send(DEVICE, { "apns-collapse-id": "k".repeat(64) })).status).toBe(200);
    expect(apns.stats().statuses).toEqual({ "400": cases.length, "200": 1 });
  });

  it("refuses a payload over 4096 bytes with 413 PayloadTooLarge (5120 for voip) and an empty one", async () => {
    await using apns = await startFakeApns();
    const send = await client(apns);
    const sized = (bytes: number) => {
      const shell = payload({ pad: "" });
      return payload({ pad: "x".repeat(bytes - Buffer.byteLength(shell)) });
    };
    expect(Buffer.byteLength(sized(4096))).toBe(4096);
    expect((await send(DEVICE, {}, sized(4096))).status).toBe(200);
    expect(await send(DEVICE, {}, sized(4097))).toMatchObject({ status: 413, body: { reason: "PayloadTooLarge" } });
    expect((await send(DEVICE, { "apns-push-type": "voip" }, sized(5000))).status).toBe(200);
    expect(await send(DEVICE, {}, "")).toMatchObject({ status: 400, body: { reason: "PayloadEmpty" } });
    expect(apns.messages()).toHaveLength(2);
  });

  it("answers 410 Unregistered with the time the token went away", async () => {
    let clock = 1_700_000_000_000;
    await using apns = await startFakeApns({ now: () => clock });
    const send = await client(apns);
    const gone = "b".repeat(64);
    apns.unregister(gone);
    clock += 5_000;
    expect(await send(gone)).toMatchObject({
      status: 410,
      body: { reason: "Unregistered", timestamp: 1_700_000_000_000 },
    });
    const overHttp = "c".repeat(64);
    await post(`${apns.controlUrl}/__fake/unregistered`, JSON.stringify({ tokens: [overHttp] }));
    expect(await send(overHttp)).toMatchObject({ status: 410, body: { reason: "Unregistered", timestamp: clock } });
    expect(apns.messages()).toEqual([]);
  });

  it("answers 429 TooManyRequests past a device's rate, and faults on demand", async () => {
    await using apns = await startFakeApns({ deviceRateLimit: { limit: 2, windowMs: 60_000 } });
    const send = await client(apns);
    expect((await send(DEVICE)).status).toBe(200);
    expect((await send(DEVICE)).status).toBe(200);
    expect(await send(DEVICE)).toMatchObject({ status: 429, body: { reason: "TooManyRequests" } });
    const other = "d".repeat(64);
    const added = await post(
      `${apns.controlUrl}/__fake/faults`,
      JSON.stringify({ kind: "error", reason: "ServiceUnavailable", token: other, times: 1 }),
    );
    expect(added.status).toBe(201);
    expect(await send(other)).toMatchObject({ status: 503, body: { reason: "ServiceUnavailable" } });
    expect((await send(other)).status).toBe(200);
    const listed = await fetch(`${apns.controlUrl}/__fake/messages?token=${other}`);
    expect(((await listed.json()) as { messages: unknown[] }).messages).toHaveLength(1);
  });
});

describe("routing and faults", () => {
  it("answers 404 BadPath and 405 MethodNotAllowed", async () => {
    await using apns = await startFakeApns();
    const session = connect(apns.url);
    sessions.push(session);
    const authorization = `bearer ${await providerToken(apns.credentials)}`;
    expect(await h2Request(session, "/3/devices/x", { authorization }, payload())).toMatchObject({
      status: 404,
      body: { reason: "BadPath" },
    });
    expect(
      await h2Request(
        session,
        `/3/device/${DEVICE}`,
        { ":method": "PUT", authorization, "apns-topic": TOPIC },
        payload(),
      ),
    ).toMatchObject({ status: 405, body: { reason: "MethodNotAllowed" } });
  });

  it("a timeout fault holds the notification ms, then delivers it; an overall rate applies across devices", async () => {
    await using apns = await startFakeApns({ rateLimit: { limit: 2, windowMs: 60_000 } });
    const send = await client(apns);
    apns.faults.add({ kind: "timeout", ms: 100, times: 1 });
    const started = performance.now();
    expect((await send(DEVICE)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect((await send("e".repeat(64))).status).toBe(200);
    expect(await send("f".repeat(64))).toMatchObject({ status: 429, body: { reason: "TooManyRequests" } });
    expect((await post(`${apns.controlUrl}/__fake/reset`, "")).status).toBe(200);
    expect(apns.stats()).toEqual({ delivered: 0, statuses: {} });
    expect((await send("f".repeat(64))).status).toBe(200);
  });
});
