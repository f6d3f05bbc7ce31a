import { describe, expect, it } from "vitest";
import { startFakeSmtp } from "../../../fakes/smtp/index.ts";
import { anonymousTransportTo, openRawSession, plainAuth, transportTo } from "./smtpClients.ts";

const mail = { from: "news@masivo.test", to: "ana@example.test", subject: "Hi", text: "Hello" };

describe("AUTH", () => {
  it("refuses a wrong password with 535 and records nothing", async () => {
    await using smtp = await startFakeSmtp({ username: "masivo", password: "s3cret" });
    await expect(transportTo(smtp, { user: "masivo", pass: "wrong" }).sendMail(mail)).rejects.toMatchObject({
      code: "EAUTH",
      responseCode: 535,
    });
    expect(smtp.state.messages()).toEqual([]);
    expect(smtp.state.stats().authFailures).toBe(1);
    await transportTo(smtp, { user: "masivo", pass: "s3cret" }).sendMail(mail);
    expect(smtp.state.messages()).toHaveLength(1);
  });

  it("is required: MAIL FROM without it gets 530", async () => {
    await using smtp = await startFakeSmtp();
    await expect(anonymousTransportTo(smtp).sendMail(mail)).rejects.toMatchObject({ responseCode: 530 });
    expect(smtp.state.messages()).toEqual([]);
  });

  it("takes AUTH LOGIN as well as PLAIN, and advertises only those", async () => {
    await using smtp = await startFakeSmtp();
    const session = await openRawSession(smtp.port);
    const ehlo = await session.command("EHLO client.test");
    expect(ehlo).toMatch(/AUTH PLAIN LOGIN/);
    expect(ehlo).not.toMatch(/STARTTLS/);
    expect(await session.command("AUTH CRAM-MD5")).toMatch(/^504 /);
    expect(await session.command("AUTH LOGIN")).toMatch(/^334 /);
    expect(await session.command(Buffer.from(smtp.username).toString("base64"))).toMatch(/^334 /);
    expect(await session.command(Buffer.from(smtp.password).toString("base64"))).toMatch(/^235 /);
    session.close();
  });
});

describe("the message size limit", () => {
  it("advertises SIZE and answers 552 to a bigger message after DATA", async () => {
    await using smtp = await startFakeSmtp({ maxMessageSize: 1_000 });
    const session = await openRawSession(smtp.port);
    expect(await session.command("EHLO client.test")).toMatch(/SIZE 1000/);
    expect(await session.command(`AUTH PLAIN ${plainAuth(smtp.username, smtp.password)}`)).toMatch(/^235 /);
    expect(await session.command("MAIL FROM:<news@masivo.test>")).toMatch(/^250 /);
    expect(await session.command("RCPT TO:<ana@example.test>")).toMatch(/^250 /);
    expect(await session.command("DATA")).toMatch(/^354 /);
    const body = `Subject: big\r\n\r\n${"x".repeat(2_000)}\r\n.`;
    expect(await session.command(body)).toMatch(/^552 /);
    session.close();
    expect(smtp.state.messages()).toEqual([]);
    expect(smtp.state.stats().oversized).toBe(1);
  });

  it("refuses with 552 a message nodemailer declares too big, and takes one that fits", async () => {
    await using smtp = await startFakeSmtp({ maxMessageSize: 1_000 });
    const transport = transportTo(smtp);
    await expect(transport.sendMail({ ...mail, text: "x".repeat(2_000) })).rejects.toMatchObject({
      responseCode: 552,
    });
    await transport.sendMail(mail);
    expect(smtp.state.messages().map((m) => m.text?.trim())).toEqual(["Hello"]);
  });
});

describe("the rate limit", () => {
  it("answers MAIL FROM over it with 451 4.7.0, then lets the next window through", async () => {
    let now = Date.UTC(2026, 0, 1);
    await using smtp = await startFakeSmtp({ rateLimit: { messages: 2, windowMs: 1_000 }, now: () => now });
    const transport = transportTo(smtp);
    await transport.sendMail(mail);
    await transport.sendMail(mail);
    const refused = transport.sendMail(mail);
    await expect(refused).rejects.toMatchObject({ responseCode: 451, response: expect.stringMatching(/4\.7\.0/) });
    now += 1_000;
    await transport.sendMail(mail);
    expect(smtp.state.stats()).toMatchObject({ accepted: 3, rateLimited: 1 });
  });
});
