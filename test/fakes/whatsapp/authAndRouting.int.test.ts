import { describe, expect, it } from "vitest";
import { startFakeWhatsApp } from "../../../fakes/whatsapp/index.ts";
import { sendMessage, templateBody } from "./whatsappHttp.ts";

const hello = { name: "hello", language: "en_US", body: "Hello {{1}}" };
const send = templateBody("15551234567", "hello", ["Ana"]);

describe("access tokens", () => {
  it.each([
    ["a wrong token", "not-the-token"],
    ["no token", null],
  ])("answer %s with 401 and Graph's OAuthException 190, recording nothing", async (_, token) => {
    await using whatsapp = await startFakeWhatsApp({ templates: [hello] });
    const response = await sendMessage(whatsapp.url, send, { token });
    expect(response).toEqual({
      status: 401,
      body: {
        error: {
          message: "Invalid OAuth access token - Cannot parse access token",
          type: "OAuthException",
          code: 190,
          fbtrace_id: expect.any(String),
        },
      },
    });
    expect(whatsapp.state.messages()).toEqual([]);
    expect(whatsapp.state.stats()).toMatchObject({ requests: 1, accepted: 0, statuses: { "401": 1 } });
  });

  it("accept any of the configured tokens", async () => {
    await using whatsapp = await startFakeWhatsApp({ templates: [hello], accessTokens: ["t1", "t2"] });
    expect((await sendMessage(whatsapp.url, send, { token: "t2" })).status).toBe(200);
    expect((await sendMessage(whatsapp.url, send, { token: "t1" })).status).toBe(200);
  });

  it("do not count against throughput when refused", async () => {
    await using whatsapp = await startFakeWhatsApp({ templates: [hello], maxPerSecond: 1, now: () => 0 });
    expect((await sendMessage(whatsapp.url, send, { token: "wrong" })).status).toBe(401);
    expect((await sendMessage(whatsapp.url, send)).status).toBe(200);
  });
});

describe("routes", () => {
  it("refuse a path other than /{version}/{phone-number-id}/messages with Graph's unknown-path error", async () => {
    await using whatsapp = await startFakeWhatsApp();
    const response = await fetch(`${whatsapp.url}/v21.0/100000000000001/media`, { method: "POST", body: "{}" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 2500, type: "OAuthException" } });
  });

  it("take any Graph version", async () => {
    await using whatsapp = await startFakeWhatsApp({ templates: [hello] });
    expect((await sendMessage(whatsapp.url, send, { version: "v19.0" })).status).toBe(200);
  });
});
