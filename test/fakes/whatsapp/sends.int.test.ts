import { describe, expect, it } from "vitest";
import { startFakeWhatsApp } from "../../../fakes/whatsapp/index.ts";
import { graphError, sendMessage, templateBody } from "./whatsappHttp.ts";

const orderShipped = {
  name: "order_shipped",
  language: "en_US",
  category: "UTILITY" as const,
  header: "Order {{1}}",
  body: "Hi {{1}}, your order {{2}} is on its way.",
};
const TO = "+15551234567";

describe("template messages", () => {
  it("are accepted with a wamid and recorded with their parameters and rendered text", async () => {
    await using whatsapp = await startFakeWhatsApp({ templates: [orderShipped] });
    const response = await sendMessage(whatsapp.url, {
      ...templateBody(TO, "order_shipped", ["Ana", "A-17"]),
      template: {
        name: "order_shipped",
        language: { code: "en_US", policy: "deterministic" },
        components: [
          { type: "header", parameters: [{ type: "text", text: "A-17" }] },
          {
            type: "body",
            parameters: [
              { type: "text", text: "Ana" },
              { type: "text", text: "A-17" },
            ],
          },
        ],
      },
    });
    expect(response).toEqual({
      status: 200,
      body: {
        messaging_product: "whatsapp",
        contacts: [{ input: TO, wa_id: "15551234567" }],
        messages: [{ id: expect.stringMatching(/^wamid\./), message_status: "accepted" }],
      },
    });
    const [message, ...others] = whatsapp.state.messages();
    expect(others).toEqual([]);
    expect(message).toMatchObject({
      id: (response.body as { messages: [{ id: string }] }).messages[0].id,
      to: TO,
      waId: "15551234567",
      type: "template",
      template: {
        name: "order_shipped",
        language: "en_US",
        category: "UTILITY",
        parameters: { header: ["A-17"], body: ["Ana", "A-17"] },
        rendered: { header: "Order A-17", body: "Hi Ana, your order A-17 is on its way." },
      },
    });
  });

  it("fill named placeholders by parameter_name", async () => {
    await using whatsapp = await startFakeWhatsApp({
      templates: [{ name: "welcome", language: "es", body: "Hola {{first_name}}, tu código es {{code}}" }],
    });
    const body = {
      ...templateBody("34600111222", "welcome", [], "es"),
      template: {
        name: "welcome",
        language: { code: "es" },
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", parameter_name: "code", text: "X9" },
              { type: "text", parameter_name: "first_name", text: "Luz" },
            ],
          },
        ],
      },
    };
    expect((await sendMessage(whatsapp.url, body)).status).toBe(200);
    expect(whatsapp.state.messages()[0]?.template?.rendered.body).toBe("Hola Luz, tu código es X9");
  });

  it("with the wrong number of parameters are refused with 132000 and not recorded", async () => {
    await using whatsapp = await startFakeWhatsApp({ templates: [orderShipped] });
    const response = await sendMessage(whatsapp.url, templateBody(TO, "order_shipped", ["Ana"]));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject(graphError(132000));
    expect(response.body).toMatchObject({
      error: {
        message: "(#132000) Number of parameters does not match the expected number of params",
        error_data: { messaging_product: "whatsapp", details: expect.stringContaining("header") },
      },
    });
    const tooManyInBody = await sendMessage(whatsapp.url, {
      ...templateBody(TO, "order_shipped", []),
      template: {
        name: "order_shipped",
        language: { code: "en_US" },
        components: [
          { type: "header", parameters: [{ type: "text", text: "A-17" }] },
          { type: "body", parameters: ["Ana", "A-17", "extra"].map((text) => ({ type: "text", text })) },
        ],
      },
    });
    expect(tooManyInBody).toMatchObject({
      status: 400,
      body: { error: { code: 132000, error_data: { details: expect.stringMatching(/^body: .*\(3\).*\(2\)/) } } },
    });
    expect(whatsapp.state.messages()).toEqual([]);
    expect(whatsapp.state.stats().errors).toEqual({ "132000": 2 });
  });

  it("naming no approved template, or one in another language, are refused with 132001", async () => {
    await using whatsapp = await startFakeWhatsApp({ templates: [orderShipped] });
    for (const [name, language] of [
      ["no_such_template", "en_US"],
      ["order_shipped", "pt_BR"],
    ] as const) {
      const response = await sendMessage(whatsapp.url, templateBody(TO, name, [], language));
      expect(response).toMatchObject({ status: 400, body: graphError(132001) });
    }
    expect(whatsapp.state.messages()).toEqual([]);
  });
});

describe("body validation", () => {
  it.each([
    ["a messaging_product other than whatsapp", { messaging_product: "sms" }],
    ["a to that is not E.164 digits", { to: "555-1234" }],
    ["a to with a leading zero", { to: "0155512345" }],
  ])("refuses %s with 100", async (_, change) => {
    await using whatsapp = await startFakeWhatsApp({ templates: [orderShipped] });
    const response = await sendMessage(whatsapp.url, { ...templateBody(TO, "order_shipped", ["a", "b"]), ...change });
    expect(response).toMatchObject({ status: 400, body: graphError(100) });
  });

  it("refuses a body that is not JSON with 100", async () => {
    await using whatsapp = await startFakeWhatsApp();
    expect(await sendMessage(whatsapp.url, "{not json")).toMatchObject({ status: 400, body: graphError(100) });
  });

  it("refuses a message type the fake does not model with 131051", async () => {
    await using whatsapp = await startFakeWhatsApp();
    const response = await sendMessage(whatsapp.url, {
      messaging_product: "whatsapp",
      to: TO,
      type: "image",
      image: { link: "https://example.com/a.png" },
    });
    expect(response).toMatchObject({ status: 400, body: graphError(131051) });
  });

  it("refuses an unknown phone number id with Graph's object-does-not-exist error", async () => {
    await using whatsapp = await startFakeWhatsApp({ templates: [orderShipped] });
    const response = await sendMessage(whatsapp.url, templateBody(TO, "order_shipped", ["a", "b"]), {
      phoneNumberId: "999",
    });
    expect(response).toMatchObject({ status: 400, body: { error: { code: 100, error_subcode: 33 } } });
  });
});

describe("free-form text", () => {
  const text = { messaging_product: "whatsapp", to: TO, type: "text", text: { body: "Thanks!" } };

  it("outside the customer service window is refused with 131047", async () => {
    await using whatsapp = await startFakeWhatsApp();
    expect(await sendMessage(whatsapp.url, text)).toMatchObject({ status: 400, body: graphError(131047) });
    expect(whatsapp.state.messages()).toEqual([]);
  });

  it("goes for 24 hours after the user wrote, and not after", async () => {
    let now = Date.UTC(2026, 0, 1);
    await using whatsapp = await startFakeWhatsApp({ now: () => now });
    whatsapp.receiveInbound(TO);
    now += 24 * 60 * 60 * 1000 - 1;
    const inside = await sendMessage(whatsapp.url, text);
    expect(inside).toMatchObject({ status: 200, body: { messages: [{ id: expect.stringMatching(/^wamid\./) }] } });
    expect(whatsapp.state.messages()).toMatchObject([{ type: "text", text: "Thanks!", waId: "15551234567" }]);
    now += 1;
    expect(await sendMessage(whatsapp.url, text)).toMatchObject({ status: 400, body: graphError(131047) });
  });
});
