import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createWebhookClient,
  type WebhookAnswer,
  type WebhookClientOptions,
} from "../../../../actors/destination/webhook/webhookClient.ts";
import type { WebhookCall } from "../../../../actors/destination/webhook/webhookMessage.ts";
import { signatureOf } from "../../../../actors/destination/webhook/webhookSigning.ts";
import { scriptedResolve } from "../../../support/scriptedResolve.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./webhookReceiver.ts";

const oldSecret = `whsec_${Buffer.from("the old secret, 32 bytes long!!!").toString("base64")}`;
const newSecret = `whsec_${Buffer.from("the new secret, 32 bytes long!!!").toString("base64")}`;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver([oldSecret, newSecret]);
});
afterAll(() => receiver.close());
beforeEach(() => {
  receiver.received.length = 0;
  receiver.state.answer = () => 200;
  receiver.state.headers = {};
});

const call: WebhookCall = {
  customers: ["ann"],
  messageId: "acct:ann:7",
  type: "event.tracked",
  body: JSON.stringify({
    type: "event.tracked",
    timestamp: "2026-12-03T12:00:00.000Z",
    data: { customerId: "ann", name: "tap" },
  }),
};
const signal = new AbortController().signal;
const signingWith = (keys: { key: string; until?: string }[]) => (c: WebhookCall, at: Date) =>
  signatureOf({ keys }, c.messageId, at, c.body);

/** Delivers `call` `times` times through one client (to the receiver, signed with the new secret, unless told otherwise). */
async function deliver(options: Partial<WebhookClientOptions> = {}, times = 1): Promise<WebhookAnswer[]> {
  const client = createWebhookClient({
    url: receiver.url,
    timeoutMs: 2_000,
    allowLocal: true,
    sign: signingWith([{ key: newSecret }]),
    ...options,
  });
  const answers: WebhookAnswer[] = [];
  for (let n = 0; n < times; n++) answers.push(await client.deliver(call, signal));
  client.close();
  return answers;
}

describe("the webhook client", () => {
  it("sends the body as given, signed so that a Standard Webhooks receiver verifies it", async () => {
    expect(await deliver()).toEqual([expect.objectContaining({ status: 200 })]);
    const [delivery] = receiver.received;
    expect(delivery?.body).toBe(call.body);
    expect(delivery?.headers["webhook-id"]).toBe("acct:ann:7");
    expect(delivery?.verifiedBy).toEqual([newSecret]);
    // The attempt's own time, in seconds.
    expect(Math.abs(Number(delivery?.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(5);
  });

  it("signs with both secrets during a rotation, and with the new one alone once the old expired", async () => {
    const now = Date.now();
    const until = (offset: number) => new Date(now + offset).toISOString();
    await deliver({ sign: signingWith([{ key: newSecret }, { key: oldSecret, until: until(60_000) }]) });
    await deliver({ sign: signingWith([{ key: newSecret }, { key: oldSecret, until: until(-1) }]) });
    const [during, after] = receiver.received;
    expect(during?.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(during?.verifiedBy).toEqual([oldSecret, newSecret]);
    expect(after?.headers["webhook-signature"]?.split(" ")).toHaveLength(1);
    expect(after?.verifiedBy).toEqual([newSecret]);
  });

  it("never follows a redirect: it is the answer", async () => {
    receiver.state.answer = (delivery) => (delivery.path === "/hooks" ? 302 : 200);
    receiver.state.headers = { location: "/elsewhere" };
    expect(await deliver()).toEqual([expect.objectContaining({ status: 302 })]);
    expect(receiver.received.map((delivery) => delivery.path)).toEqual(["/hooks"]);
  });

  it.each(["10.0.0.5", "169.254.169.254", "::1"])("refuses to connect to a host resolving to %s", async (address) => {
    const { resolve } = scriptedResolve(address);
    const answers = await deliver({ url: `http://hooks.example.test:${receiver.port}/hooks`, resolve });
    expect(answers).toEqual([{ error: expect.stringContaining(`hooks.example.test refused: ${address} is a`) }]);
    expect(receiver.received).toHaveLength(0);
  });

  it("checks the address again at every connection, so a host that rebinds to the metadata address gets nowhere", async () => {
    const { resolve, asked } = scriptedResolve("127.0.0.1", "169.254.169.254");
    const [first, second] = await deliver({ url: `http://hooks.example.test:${receiver.port}/hooks`, resolve }, 2);
    expect(first).toMatchObject({ status: 200 });
    expect(second).toEqual({ error: expect.stringContaining("169.254.169.254 is a linkLocal address") });
    expect(asked).toEqual(["hooks.example.test", "hooks.example.test"]);
    expect(receiver.received).toHaveLength(1);
  });

  it("refuses a literal private address, which Node would connect to without a lookup", async () => {
    expect(await deliver({ url: "http://10.0.0.5:8080/hooks" })).toEqual([
      { error: "10.0.0.5 refused: 10.0.0.5 is a private address" },
    ]);
  });

  it("refuses 127.0.0.1 unless local destinations are allowed", async () => {
    expect(await deliver({ allowLocal: false })).toEqual([
      { error: "127.0.0.1 refused: 127.0.0.1 is a loopback address" },
    ]);
    expect(receiver.received).toHaveLength(0);
  });

  it("gives up on an endpoint that does not answer in time", async () => {
    receiver.state.answer = () => "hang";
    expect(await deliver({ timeoutMs: 300 })).toEqual([{ error: "Error: no answer within 300 ms" }]);
  });
});
