import { describe, expect, it } from "vitest";
import { startFakeSmtp } from "../../../fakes/smtp/index.ts";
import { control, transportTo } from "./smtpClients.ts";

const marketing = {
  from: '"Masivo" <news@masivo.test>',
  to: "Ana <ana@example.test>",
  subject: "Spring sale — 20% off",
  text: "Hello Ana",
  html: "<p>Hello <b>Ana</b></p>",
  messageId: "<send-key-1@masivo.test>",
  headers: {
    "List-Unsubscribe": "<https://masivo.test/unsubscribe/tok-1>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
  },
};

describe("a message sent through the fake", () => {
  it("is accepted with a queue id and recorded as parsed, headers included", async () => {
    await using smtp = await startFakeSmtp({ now: () => Date.UTC(2026, 0, 1) });
    const info = await transportTo(smtp).sendMail(marketing);
    expect(info.accepted).toEqual(["ana@example.test"]);
    expect(info.rejected).toEqual([]);
    expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as [0-9A-F]{10}$/);

    const [message, ...others] = smtp.state.messages();
    expect(others).toEqual([]);
    expect(message).toMatchObject({
      user: smtp.username,
      envelope: { mailFrom: "news@masivo.test", rcptTo: ["ana@example.test"] },
      from: '"Masivo" <news@masivo.test>',
      to: ["ana@example.test"],
      subject: "Spring sale — 20% off",
      text: "Hello Ana",
      html: "<p>Hello <b>Ana</b></p>",
      messageId: "<send-key-1@masivo.test>",
      receivedAt: Date.UTC(2026, 0, 1),
    });
    expect(info.response.endsWith(message?.queueId ?? "?")).toBe(true);
    expect(message?.headers).toMatchObject({
      "message-id": "<send-key-1@masivo.test>",
      "list-unsubscribe": "<https://masivo.test/unsubscribe/tok-1>",
      "list-unsubscribe-post": "List-Unsubscribe=One-Click",
    });
    expect(message?.size).toBeGreaterThan(marketing.html.length + marketing.text.length);
    expect(smtp.state.stats()).toMatchObject({ connections: 1, accepted: 1, acceptedBytes: message?.size });
  });

  it("keeps only the accepted envelope recipients and filters by recipient", async () => {
    await using smtp = await startFakeSmtp();
    const transport = transportTo(smtp);
    await transport.sendMail({ ...marketing, to: ["a@example.test", "b@example.test"] });
    await transport.sendMail({ ...marketing, to: "c@example.test" });
    expect(smtp.state.messages({ to: "B@example.test" }).map((m) => m.envelope.rcptTo)).toEqual([
      ["a@example.test", "b@example.test"],
    ]);
    expect(smtp.state.messages({ limit: 1 }).map((m) => m.envelope.rcptTo)).toEqual([["c@example.test"]]);
  });

  it("is listed over HTTP, and reset forgets messages and counters but not faults", async () => {
    await using smtp = await startFakeSmtp();
    await transportTo(smtp).sendMail(marketing);
    smtp.faults.add({ kind: "recipient", address: "nobody@example.test", code: 550 });

    const listed = await control(smtp, "GET", "/__fake/messages?to=ana@example.test");
    expect(listed).toMatchObject({ status: 200, body: { messages: [{ subject: marketing.subject }] } });
    expect(await control(smtp, "GET", "/__fake/stats")).toMatchObject({ body: { accepted: 1 } });

    expect(await control(smtp, "POST", "/__fake/reset")).toMatchObject({ status: 200 });
    expect(smtp.state.messages()).toEqual([]);
    expect(await control(smtp, "GET", "/__fake/stats")).toMatchObject({ body: { connections: 0, accepted: 0 } });
    expect(smtp.faults.list()).toHaveLength(1);
  });
});
