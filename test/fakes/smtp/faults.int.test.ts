import { describe, expect, it } from "vitest";
import { startFakeSmtp } from "../../../fakes/smtp/index.ts";
import { control, openRawSession, transportTo } from "./smtpClients.ts";

const mail = { from: "news@masivo.test", subject: "Hi", text: "Hello" };

describe("recipient faults", () => {
  it("550 refuses that recipient only; the message goes to the others", async () => {
    await using smtp = await startFakeSmtp();
    smtp.faults.add({ kind: "recipient", address: "Gone@Example.test", code: 550 });
    const info = await transportTo(smtp).sendMail({ ...mail, to: ["ana@example.test", "gone@example.test"] });
    expect(info.accepted).toEqual(["ana@example.test"]);
    expect(info.rejected).toEqual(["gone@example.test"]);
    expect(info.rejectedErrors?.[0]).toMatchObject({
      responseCode: 550,
      response: expect.stringMatching(/^550 5\.1\.1/),
    });
    expect(smtp.state.messages().map((m) => m.envelope.rcptTo)).toEqual([["ana@example.test"]]);
    expect(smtp.state.stats().refusedRecipients).toEqual({ 550: 1 });
    // Without `times`, the fault stays until removed.
    await expect(transportTo(smtp).sendMail({ ...mail, to: "gone@example.test" })).rejects.toMatchObject({
      responseCode: 550,
    });
  });

  it("451 for the next message only: the retry is delivered", async () => {
    await using smtp = await startFakeSmtp();
    smtp.faults.add({ kind: "recipient", address: "ana@example.test", code: 451, times: 1 });
    const transport = transportTo(smtp);
    await expect(transport.sendMail({ ...mail, to: "ana@example.test" })).rejects.toMatchObject({
      code: "EENVELOPE",
      responseCode: 451,
    });
    expect(smtp.state.messages()).toEqual([]);
    expect(smtp.faults.list()).toEqual([]);
    const retry = await transport.sendMail({ ...mail, to: "ana@example.test" });
    expect(retry.accepted).toEqual(["ana@example.test"]);
    expect(smtp.state.messages()).toHaveLength(1);
  });

  it("are added, listed and cleared over HTTP; a bad fault is refused with 400", async () => {
    await using smtp = await startFakeSmtp();
    expect(await control(smtp, "POST", "/__fake/faults", { kind: "recipient", code: 200 })).toMatchObject({
      status: 400,
    });
    const added = await control(smtp, "POST", "/__fake/faults", {
      kind: "recipient",
      code: 452,
      message: "4.2.2 full",
    });
    expect(added).toMatchObject({ status: 200, body: { id: "fault-1" } });
    await expect(transportTo(smtp).sendMail({ ...mail, to: "any@example.test" })).rejects.toMatchObject({
      response: "452 4.2.2 full",
    });
    expect(await control(smtp, "GET", "/__fake/faults")).toMatchObject({
      body: { faults: [{ id: "fault-1", hits: 1 }] },
    });
    expect(await control(smtp, "DELETE", "/__fake/faults")).toMatchObject({ body: { cleared: 1 } });
    await transportTo(smtp).sendMail({ ...mail, to: "any@example.test" });
    expect(smtp.state.messages()).toHaveLength(1);
  });
});

describe("message faults", () => {
  it("refuse the whole message at the end of DATA with the given code", async () => {
    await using smtp = await startFakeSmtp();
    smtp.faults.add({ kind: "message", code: 554, times: 1 });
    await expect(transportTo(smtp).sendMail({ ...mail, to: "ana@example.test" })).rejects.toMatchObject({
      responseCode: 554,
    });
    expect(smtp.state.stats()).toMatchObject({ accepted: 0, refusedMessages: { 554: 1 } });
  });
});

describe("connection faults", () => {
  it("greet with 421 and close, then the next connection is served", async () => {
    await using smtp = await startFakeSmtp();
    smtp.faults.add({ kind: "refuseConnection", times: 1 });
    const refused = await openRawSession(smtp.port);
    expect(refused.greeting).toMatch(/^421 /);
    refused.close();
    const served = await openRawSession(smtp.port);
    expect(served.greeting).toMatch(/^220 /);
    served.close();
    expect(smtp.state.stats()).toMatchObject({ connections: 2, refusedConnections: 1 });
  });

  it("delay the answer at a stage; a client with a shorter timeout gives up", async () => {
    await using smtp = await startFakeSmtp();
    smtp.faults.add({ kind: "delay", stage: "rcpt", delayMs: 60_000, times: 1 });
    const impatient = transportTo(smtp, { socketTimeoutMs: 200 });
    await expect(impatient.sendMail({ ...mail, to: "ana@example.test" })).rejects.toMatchObject({
      code: "ETIMEDOUT",
    });
    expect(smtp.state.messages()).toEqual([]);
    await transportTo(smtp).sendMail({ ...mail, to: "ana@example.test" });
    expect(smtp.state.messages()).toHaveLength(1);
  });
});
