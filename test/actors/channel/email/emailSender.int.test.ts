import { describe, expect, it } from "vitest";
import { createEmailSender, type OutgoingEmail } from "../../../../actors/channel/providers.ts";
import { type FakeSmtp, startFakeSmtp } from "../../../../fakes/smtp/index.ts";
import type { EmailSettings } from "../../../../model/index.ts";

function settingsFor(smtp: FakeSmtp): EmailSettings {
  return {
    host: smtp.host,
    port: smtp.port,
    secure: false,
    username: smtp.username,
    fromAddress: "news@shop.test",
    fromName: "Shop News",
    replyTo: "help@shop.test",
    maxPerSecond: 100,
  };
}

const marketing: OutgoingEmail = {
  sendKey: "acc-1:send-1",
  to: "ana@example.test",
  category: "MARKETING",
  subject: "Spring sale",
  html: "<p>Hello Ana</p>",
  text: "Hello Ana",
  unsubscribeUrl: "https://masivo.test/u/abc",
};

async function withSender<T>(smtp: FakeSmtp, run: (sender: ReturnType<typeof createEmailSender>) => Promise<T>) {
  const sender = createEmailSender(settingsFor(smtp), { password: smtp.password });
  try {
    return await run(sender);
  } finally {
    sender.close();
  }
}

describe("the email sender", () => {
  it("sends From with its name, Reply-To, one-click unsubscribe and a Message-ID from the send key", async () => {
    await using smtp = await startFakeSmtp();
    const answer = await withSender(smtp, (sender) => sender.send(marketing));
    const [received] = smtp.state.messages();
    expect(answer).toEqual({ kind: "sent", providerMessageId: received?.messageId });
    expect(received).toMatchObject({
      envelope: { mailFrom: "news@shop.test", rcptTo: ["ana@example.test"] },
      from: '"Shop News" <news@shop.test>',
      subject: "Spring sale",
      text: "Hello Ana",
    });
    expect(received?.html).toContain("<p>Hello Ana</p>");
    expect(received?.messageId).toMatch(/^<[0-9a-f]{64}@shop\.test>$/);
    expect(received?.headers).toMatchObject({
      "reply-to": "help@shop.test",
      "list-unsubscribe": "<https://masivo.test/u/abc>",
      "list-unsubscribe-post": "List-Unsubscribe=One-Click",
    });
  });

  it("gives a resend of the same send key the same Message-ID, another send key another", async () => {
    await using smtp = await startFakeSmtp();
    await withSender(smtp, async (sender) => {
      await sender.send(marketing);
      await sender.send(marketing);
      await sender.send({ ...marketing, sendKey: "acc-1:send-2" });
    });
    const ids = smtp.state.messages().map((message) => message.messageId);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it("puts no unsubscribe headers on transactional mail", async () => {
    await using smtp = await startFakeSmtp();
    await withSender(smtp, (sender) => sender.send({ ...marketing, category: "TRANSACTIONAL" }));
    const headers = smtp.state.messages()[0]?.headers ?? {};
    expect(headers["list-unsubscribe"]).toBeUndefined();
    expect(headers["list-unsubscribe-post"]).toBeUndefined();
  });

  it("answers failed when the recipient is refused with 550, retry with 451", async () => {
    await using smtp = await startFakeSmtp();
    smtp.faults.add({ kind: "recipient", address: "gone@example.test", code: 550, times: 1 });
    smtp.faults.add({ kind: "recipient", address: "busy@example.test", code: 451, times: 1 });
    const [gone, busy] = await withSender(smtp, async (sender) => [
      await sender.send({ ...marketing, to: "gone@example.test" }),
      await sender.send({ ...marketing, to: "busy@example.test" }),
    ]);
    expect(gone).toMatchObject({ kind: "failed", reason: expect.stringContaining("550") });
    expect(busy).toMatchObject({ kind: "retry", reason: expect.stringContaining("451") });
    expect(smtp.state.messages()).toEqual([]);
  });

  it("answers failed when the message is refused with 554 after DATA", async () => {
    await using smtp = await startFakeSmtp();
    smtp.faults.add({ kind: "message", code: 554, times: 1 });
    const answer = await withSender(smtp, (sender) => sender.send(marketing));
    expect(answer).toMatchObject({ kind: "failed", reason: expect.stringContaining("554") });
  });

  it("answers misconfigured on a wrong password", async () => {
    await using smtp = await startFakeSmtp();
    const sender = createEmailSender(settingsFor(smtp), { password: "wrong" });
    const answer = await sender.send(marketing).finally(() => sender.close());
    expect(answer).toMatchObject({ kind: "misconfigured", reason: expect.stringContaining("535") });
  });

  it("answers retry when the server refuses the connection with 421", async () => {
    await using smtp = await startFakeSmtp();
    smtp.faults.add({ kind: "refuseConnection", times: 1 });
    const answer = await withSender(smtp, (sender) => sender.send(marketing));
    expect(answer.kind).toBe("retry");
  });

  it("answers retry when nothing listens", async () => {
    const smtp = await startFakeSmtp();
    const settings = settingsFor(smtp);
    await smtp.close();
    const sender = createEmailSender(settings, { password: "x" });
    const answer = await sender.send(marketing).finally(() => sender.close());
    expect(answer).toMatchObject({ kind: "retry", reason: expect.stringContaining("ECONNREFUSED") });
  });

  it("answers unknown when the server holds the answer to DATA past the timeout", async () => {
    await using smtp = await startFakeSmtp();
    smtp.faults.add({ kind: "delay", stage: "data", delayMs: 5_000, times: 1 });
    const sender = createEmailSender(settingsFor(smtp), { password: smtp.password }, { timeoutMs: 1_000 });
    const answer = await sender.send(marketing).finally(() => sender.close());
    expect(answer.kind).toBe("unknown");
  });

  it("reuses its pooled connections across many sends", async () => {
    await using smtp = await startFakeSmtp();
    const answers = await withSender(smtp, (sender) =>
      Promise.all(Array.from({ length: 30 }, (_, n) => sender.send({ ...marketing, sendKey: `acc-1:many-${n}` }))),
    );
    expect(answers.every((answer) => answer.kind === "sent")).toBe(true);
    expect(smtp.state.stats().accepted).toBe(30);
    expect(smtp.state.stats().connections).toBeLessThanOrEqual(5);
  });
});
