import { describe, expect, it } from "vitest";
import { startFakeWhatsApp } from "../../../fakes/whatsapp/index.ts";
import { waitFor } from "../../support/streamReader.ts";
import { control, graphError, sendMessage, templateBody } from "./whatsappHttp.ts";

const hello = { name: "hello", language: "en_US", body: "Hello {{1}}" };
const to = (number: string) => templateBody(number, "hello", ["Ana"]);

describe("error faults", () => {
  it("answer 131047 for one recipient only, until removed", async () => {
    await using whatsapp = await startFakeWhatsApp({ templates: [hello] });
    const id = whatsapp.faults.add({ kind: "error", code: 131047, to: "+15550000001" });
    for (let i = 0; i < 2; i += 1) {
      const refused = await sendMessage(whatsapp.url, to("15550000001"));
      expect(refused).toMatchObject({ status: 400, body: graphError(131047) });
      expect(refused.body).toMatchObject({ error: { message: "(#131047) Re-engagement message" } });
    }
    expect((await sendMessage(whatsapp.url, to("15550000002"))).status).toBe(200);
    expect(whatsapp.state.messages().map((m) => m.waId)).toEqual(["15550000002"]);
    expect(whatsapp.faults.list()).toMatchObject([{ id, hits: 2, remaining: null }]);
    expect(whatsapp.faults.remove(id)).toBe(true);
    expect((await sendMessage(whatsapp.url, to("15550000001"))).status).toBe(200);
  });

  it("apply to the next `times` sends when global", async () => {
    await using whatsapp = await startFakeWhatsApp({ templates: [hello] });
    whatsapp.faults.add({ kind: "error", code: 131000, times: 2 });
    for (const number of ["15550000001", "15550000002"]) {
      expect(await sendMessage(whatsapp.url, to(number))).toMatchObject({ status: 500, body: graphError(131000) });
    }
    expect((await sendMessage(whatsapp.url, to("15550000003"))).status).toBe(200);
    expect(whatsapp.faults.list()).toEqual([]);
    expect(whatsapp.state.stats()).toMatchObject({ accepted: 1, errors: { "131000": 2 }, statuses: { "500": 2 } });
  });

  it.each([131026, 131049, 131050, 131056, 130429])("answer %i in Graph's shape with its title", async (code) => {
    await using whatsapp = await startFakeWhatsApp({ templates: [hello] });
    whatsapp.faults.add({ kind: "error", code, times: 1 });
    const response = await sendMessage(whatsapp.url, to("15550000001"));
    expect(response).toMatchObject({ status: 400, body: graphError(code) });
    expect(response.body).toMatchObject({
      error: { message: expect.stringMatching(new RegExp(`^\\(#${code}\\) .+`)) },
    });
  });

  it("are added, listed and cleared over HTTP", async () => {
    await using whatsapp = await startFakeWhatsApp({ templates: [hello] });
    const added = await control(whatsapp.url, "POST", "faults", { kind: "error", code: 131026, to: "15550000009" });
    expect(added).toEqual({ status: 201, body: { id: expect.any(String) } });
    expect((await control(whatsapp.url, "POST", "faults", { kind: "error" })).status).toBe(400);
    expect(await sendMessage(whatsapp.url, to("+15550000009"))).toMatchObject({ body: graphError(131026) });
    expect(await control(whatsapp.url, "GET", "faults")).toMatchObject({
      body: { faults: [{ code: 131026, hits: 1 }] },
    });
    expect(await control(whatsapp.url, "DELETE", "faults")).toEqual({ status: 200, body: { cleared: 1 } });
    expect((await sendMessage(whatsapp.url, to("15550000009"))).status).toBe(200);
  });
});

describe("other faults", () => {
  it("answer a bare status with the given body", async () => {
    await using whatsapp = await startFakeWhatsApp({ templates: [hello] });
    whatsapp.faults.add({ kind: "status", status: 502, body: "<html>Bad Gateway</html>", times: 1 });
    expect(await sendMessage(whatsapp.url, to("15550000001"))).toEqual({
      status: 502,
      body: "<html>Bad Gateway</html>",
    });
    expect(whatsapp.state.messages()).toEqual([]);
  });

  it("hold a send holdMs and then accept it, even when the client gave up", async () => {
    await using whatsapp = await startFakeWhatsApp({ templates: [hello] });
    whatsapp.faults.add({ kind: "timeout", holdMs: 150, times: 1 });
    await expect(sendMessage(whatsapp.url, to("15550000001"), { timeoutMs: 30 })).rejects.toThrow();
    expect(whatsapp.state.messages()).toEqual([]);
    const accepted = await waitFor("the held send to be accepted", async () => whatsapp.state.messages()[0]);
    expect(accepted.waId).toBe("15550000001");
  });

  it("without holdMs never answer, and close() still returns", async () => {
    const whatsapp = await startFakeWhatsApp({ templates: [hello] });
    whatsapp.faults.add({ kind: "timeout" });
    await expect(sendMessage(whatsapp.url, to("15550000001"), { timeoutMs: 100 })).rejects.toThrow();
    expect(whatsapp.state.requests()).toMatchObject([{ status: null }]);
    await whatsapp.close();
  });
});
