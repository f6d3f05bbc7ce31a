import { describe, expect, it } from "vitest";
import {
  createWhatsAppSender,
  type OutgoingWhatsApp,
  type WhatsAppSenderOptions,
} from "../../../../actors/channel/providers.ts";
import { type FakeWhatsApp, startFakeWhatsApp } from "../../../../fakes/whatsapp/index.ts";

const message: OutgoingWhatsApp = {
  sendKey: "acc-1:send-1",
  to: "+15551234567",
  templateName: "order_shipped",
  language: "en_US",
  headerParameters: ["Shop"],
  bodyParameters: ["Ana", "A-100"],
};

async function startFake() {
  return startFakeWhatsApp({
    templates: [
      { name: "order_shipped", language: "en_US", header: "News from {{1}}", body: "Hi {{1}}, order {{2}} shipped" },
    ],
  });
}

function senderFor(whatsapp: FakeWhatsApp, options: WhatsAppSenderOptions & { accessToken?: string } = {}) {
  return createWhatsAppSender(
    { phoneNumberId: whatsapp.phoneNumberIds[0] ?? "", maxPerSecond: 80, endpoint: whatsapp.url },
    { accessToken: options.accessToken ?? whatsapp.accessTokens[0] ?? "" },
    options,
  );
}

describe("the WhatsApp sender", () => {
  it("sends the template with its header and body parameters to the digits of the number", async () => {
    await using whatsapp = await startFake();
    const answer = await senderFor(whatsapp).send(message);
    const [sent] = whatsapp.state.messages();
    expect(answer).toEqual({ kind: "sent", providerMessageId: sent?.id });
    expect(sent?.id).toMatch(/^wamid\./);
    expect(sent).toMatchObject({
      to: "15551234567",
      type: "template",
      template: {
        name: "order_shipped",
        language: "en_US",
        parameters: { header: ["Shop"], body: ["Ana", "A-100"] },
        rendered: { header: "News from Shop", body: "Hi Ana, order A-100 shipped" },
      },
    });
  });

  it.each([131047, 131049, 131050, 131026])("answers failed for error %i", async (code) => {
    await using whatsapp = await startFake();
    whatsapp.faults.add({ kind: "error", code, times: 1 });
    expect(await senderFor(whatsapp).send(message)).toMatchObject({
      kind: "failed",
      reason: expect.stringContaining(`#${code}`),
    });
  });

  it("answers failed for a missing template (132001) and a wrong parameter count (132000)", async () => {
    await using whatsapp = await startFake();
    const sender = senderFor(whatsapp);
    expect(await sender.send({ ...message, templateName: "nope" })).toMatchObject({
      kind: "failed",
      reason: expect.stringContaining("132001"),
    });
    expect(await sender.send({ ...message, bodyParameters: ["Ana"] })).toMatchObject({
      kind: "failed",
      reason: expect.stringContaining("132000"),
    });
  });

  it("answers retry for throughput (130429), the pair limit (131056) and a proxy's 502", async () => {
    await using whatsapp = await startFake();
    const sender = senderFor(whatsapp);
    whatsapp.faults.add({ kind: "error", code: 130429, times: 1 });
    whatsapp.faults.add({ kind: "error", code: 131056, times: 1 });
    whatsapp.faults.add({ kind: "status", status: 502, times: 1 });
    const answers = [await sender.send(message), await sender.send(message), await sender.send(message)];
    expect(answers.map((answer) => answer.kind)).toEqual(["retry", "retry", "retry"]);
  });

  it("answers misconfigured for a wrong access token (190) and an unknown phone number id", async () => {
    await using whatsapp = await startFake();
    expect(await senderFor(whatsapp, { accessToken: "expired" }).send(message)).toMatchObject({
      kind: "misconfigured",
      reason: expect.stringContaining("190"),
    });
    const unknownNumber = createWhatsAppSender(
      { phoneNumberId: "999", maxPerSecond: 80, endpoint: whatsapp.url },
      { accessToken: whatsapp.accessTokens[0] ?? "" },
    );
    expect(await unknownNumber.send(message)).toMatchObject({ kind: "misconfigured" });
  });

  it("answers unknown when the answer does not come in time", async () => {
    await using whatsapp = await startFake();
    whatsapp.faults.add({ kind: "timeout", times: 1 });
    expect(await senderFor(whatsapp, { timeoutMs: 300 }).send(message)).toMatchObject({ kind: "unknown" });
  });

  it("answers retry when nothing listens", async () => {
    const whatsapp = await startFake();
    const sender = senderFor(whatsapp);
    await whatsapp.close();
    expect(await sender.send(message)).toMatchObject({
      kind: "retry",
      reason: expect.stringContaining("ECONNREFUSED"),
    });
  });
});
