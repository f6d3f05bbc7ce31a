import { describe, expect, it } from "vitest";
import { startFakeWhatsApp } from "../../../fakes/whatsapp/index.ts";
import { control, graphError, manualClock, sendMessage, templateBody } from "./whatsappHttp.ts";

describe("control endpoints", () => {
  it("add approved templates, list messages by recipient and template, and count", async () => {
    await using whatsapp = await startFakeWhatsApp();
    expect(await sendMessage(whatsapp.url, templateBody("15550000001", "promo", ["10%"]))).toMatchObject({
      body: graphError(132001),
    });
    const added = await control(whatsapp.url, "POST", "templates", {
      name: "promo",
      language: "en_US",
      body: "Save {{1}} today",
    });
    expect(added).toEqual({
      status: 201,
      body: { name: "promo", language: "en_US", category: "MARKETING", body: "Save {{1}} today" },
    });
    expect((await control(whatsapp.url, "POST", "templates", { name: "Bad Name", body: "x" })).status).toBe(400);
    for (const to of ["15550000001", "15550000002"]) {
      expect((await sendMessage(whatsapp.url, templateBody(to, "promo", ["10%"]))).status).toBe(200);
    }
    const messages = await control(whatsapp.url, "GET", "messages?to=%2B15550000002&template=promo");
    expect(messages).toMatchObject({
      status: 200,
      body: { messages: [{ waId: "15550000002", template: { rendered: { body: "Save 10% today" } } }] },
    });
    expect(await control(whatsapp.url, "GET", "templates")).toMatchObject({ body: { templates: [{ name: "promo" }] } });
    expect(await control(whatsapp.url, "GET", "stats")).toEqual({
      status: 200,
      body: { requests: 3, accepted: 2, statuses: { "200": 2, "400": 1 }, errors: { "132001": 1 }, rateLimited: 0 },
    });
    expect(await control(whatsapp.url, "GET", "requests?limit=1")).toMatchObject({
      body: { requests: [{ path: "/v21.0/100000000000001/messages", status: 200, token: "fake-whatsapp-token" }] },
    });
  });

  it("open the service window for an inbound message", async () => {
    await using whatsapp = await startFakeWhatsApp();
    const text = { messaging_product: "whatsapp", to: "15550000001", type: "text", text: { body: "hi" } };
    expect((await sendMessage(whatsapp.url, text)).status).toBe(400);
    expect((await control(whatsapp.url, "POST", "inbound", { from: "+15550000001" })).status).toBe(200);
    expect((await sendMessage(whatsapp.url, text)).status).toBe(200);
  });

  it("answer 404 for an unknown control path", async () => {
    await using whatsapp = await startFakeWhatsApp();
    expect((await control(whatsapp.url, "GET", "nothing")).status).toBe(404);
  });
});

describe("reset", () => {
  it("forgets messages, counters, throughput and service windows; keeps templates and faults", async () => {
    const clock = manualClock();
    await using whatsapp = await startFakeWhatsApp({
      templates: [{ name: "hello", language: "en_US", body: "Hello {{1}}" }],
      maxPerSecond: 1,
      now: clock.now,
    });
    whatsapp.receiveInbound("15550000001");
    whatsapp.faults.add({ kind: "error", code: 131026, to: "15550000099" });
    expect((await sendMessage(whatsapp.url, templateBody("15550000001", "hello", ["a"]))).status).toBe(200);
    expect((await sendMessage(whatsapp.url, templateBody("15550000002", "hello", ["b"]))).status).toBe(400);

    expect(await control(whatsapp.url, "POST", "reset")).toEqual({ status: 200, body: { success: true } });

    expect(whatsapp.state.messages()).toEqual([]);
    expect(whatsapp.state.requests()).toEqual([]);
    expect(whatsapp.state.stats()).toEqual({ requests: 0, accepted: 0, statuses: {}, errors: {}, rateLimited: 0 });
    // The throughput window is empty again, at the same instant.
    expect((await sendMessage(whatsapp.url, templateBody("15550000002", "hello", ["b"]))).status).toBe(200);
    clock.advance(1_000);
    const text = { messaging_product: "whatsapp", to: "15550000001", type: "text", text: { body: "hi" } };
    expect(await sendMessage(whatsapp.url, text)).toMatchObject({ body: graphError(131047) });
    expect(whatsapp.state.templates().map((t) => t.name)).toEqual(["hello"]);
    expect(whatsapp.faults.list()).toHaveLength(1);
  });
});
