import { describe, expect, it } from "vitest";
import { startFakeWhatsApp } from "../../../fakes/whatsapp/index.ts";
import { graphError, manualClock, sendMessage, templateBody } from "./whatsappHttp.ts";

const hello = { name: "hello", language: "en_US", body: "Hello {{1}}" };
const send = (n: number) => templateBody(`1555000000${n}`, "hello", ["Ana"]);

describe("throughput per phone number id", () => {
  it("refuses the send past maxPerSecond with 130429 until the second rolls", async () => {
    const clock = manualClock();
    await using whatsapp = await startFakeWhatsApp({ templates: [hello], maxPerSecond: 3, now: clock.now });
    for (let n = 0; n < 3; n += 1) expect((await sendMessage(whatsapp.url, send(n))).status).toBe(200);
    const refused = await sendMessage(whatsapp.url, send(3));
    expect(refused).toMatchObject({ status: 400, body: graphError(130429) });
    expect(refused.body).toMatchObject({ error: { message: "(#130429) Rate limit hit" } });
    clock.advance(999);
    expect((await sendMessage(whatsapp.url, send(4))).status).toBe(400);
    clock.advance(1);
    expect((await sendMessage(whatsapp.url, send(5))).status).toBe(200);
    expect(whatsapp.state.stats()).toMatchObject({ accepted: 4, rateLimited: 2, errors: { "130429": 2 } });
    expect(whatsapp.state.messages().map((m) => m.waId)).toEqual([
      "15550000000",
      "15550000001",
      "15550000002",
      "15550000005",
    ]);
  });

  it("counts each phone number id apart, and answers with 429 when told to", async () => {
    const clock = manualClock();
    await using whatsapp = await startFakeWhatsApp({
      templates: [hello],
      phoneNumberIds: ["111", "222"],
      maxPerSecond: 1,
      rateLimitStatus: 429,
      now: clock.now,
    });
    expect((await sendMessage(whatsapp.url, send(1), { phoneNumberId: "111" })).status).toBe(200);
    expect((await sendMessage(whatsapp.url, send(2), { phoneNumberId: "222" })).status).toBe(200);
    expect(await sendMessage(whatsapp.url, send(3), { phoneNumberId: "111" })).toMatchObject({
      status: 429,
      body: graphError(130429),
    });
    // A forced pair rate limit answers with the same status.
    clock.advance(1_000);
    whatsapp.faults.add({ kind: "error", code: 131056, times: 1 });
    expect(await sendMessage(whatsapp.url, send(4), { phoneNumberId: "222" })).toMatchObject({
      status: 429,
      body: graphError(131056),
    });
  });
});

describe("the pair rate limit", () => {
  it("is off by default", async () => {
    await using whatsapp = await startFakeWhatsApp({ templates: [hello], now: () => 0 });
    for (let i = 0; i < 5; i += 1) expect((await sendMessage(whatsapp.url, send(1))).status).toBe(200);
  });

  it("refuses a user past its limit with 131056, other users unaffected, until the window rolls", async () => {
    const clock = manualClock();
    await using whatsapp = await startFakeWhatsApp({
      templates: [hello],
      pairRateLimit: { limit: 1, windowMs: 6_000 },
      now: clock.now,
    });
    expect((await sendMessage(whatsapp.url, send(1))).status).toBe(200);
    expect(await sendMessage(whatsapp.url, send(1))).toMatchObject({ status: 400, body: graphError(131056) });
    expect((await sendMessage(whatsapp.url, send(2))).status).toBe(200);
    clock.advance(6_000);
    expect((await sendMessage(whatsapp.url, send(1))).status).toBe(200);
    expect(whatsapp.state.stats().errors).toEqual({ "131056": 1 });
  });
});
