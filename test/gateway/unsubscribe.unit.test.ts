import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createAuthFailureLimiter } from "../../gateway/authFailureLimiter.ts";
import { answerUnsubscribe, type UnsubscribeRoute } from "../../gateway/unsubscribe.ts";
import { deriveUnsubscribeKey, type IngestCommandDraft, unsubscribeToken } from "../../model/index.ts";
import { UnavailableError } from "../../streams/index.ts";

const key = deriveUnsubscribeKey("test-master-key-0123456789abcdef0123456789");
const token = unsubscribeToken(key, { account: "acme", customerId: "c-1" });
const silentLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

/** The route alone on a port of its own, publishing into `published` (or failing as `publish` says). */
async function serve(publish?: () => Promise<string[]>, burst = 30) {
  const published: IngestCommandDraft[] = [];
  const route: UnsubscribeRoute = {
    key,
    publisher: {
      publish:
        publish ??
        (async (drafts) => {
          published.push(...drafts);
          return drafts.map((_, index) => `id-${index}`);
        }),
    },
    failures: createAuthFailureLimiter({ burst, refillMs: 60_000, clients: 10 }),
    log: silentLog,
  };
  const listening = createServer((request, response) => {
    answerUnsubscribe(request, response, route).catch((error) => response.destroy(error));
  });
  server = listening;
  await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
  const url = (path: string) => `http://127.0.0.1:${(listening.address() as AddressInfo).port}/unsubscribe/${path}`;
  return { published, url };
}

const oneClick = {
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: "List-Unsubscribe=One-Click",
};

describe("/unsubscribe/<token>", () => {
  it("asks to confirm on GET, showing nothing of the customer, and changes nothing", async () => {
    const { published, url } = await serve();
    const response = await fetch(url(token));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const html = await response.text();
    expect(html).toContain('<form method="post">');
    expect(html).not.toMatch(/c-1|acme/);
    expect(published).toEqual([]);
  });

  it("unsubscribes the customer from email on a one-click POST", async () => {
    const { published, url } = await serve();
    const response = await fetch(url(token), oneClick);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Unsubscribed");
    expect(published).toEqual([
      { type: "customer.unsubscribe", data: { purpose: "email" }, metadata: { account: "acme", customerId: "c-1" } },
    ]);
  });

  it("answers 404 without a body to a tampered token, on GET and POST, publishing nothing", async () => {
    const { published, url } = await serve();
    const tampered = `${token.slice(0, -2)}${token.endsWith("AA") ? "AB" : "AA"}`;
    for (const init of [{}, oneClick]) {
      const response = await fetch(url(tampered), init);
      expect(response.status).toBe(404);
      expect(await response.text()).toBe("");
    }
    expect((await fetch(url(""))).status).toBe(404);
    expect(published).toEqual([]);
  });

  it("answers 429 once an address has failed too often, while a good token still works", async () => {
    const { url } = await serve(undefined, 2);
    expect((await fetch(url("bad-1"))).status).toBe(404);
    expect((await fetch(url("bad-2"))).status).toBe(404);
    const limited = await fetch(url("bad-3"));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await fetch(url(token))).status).toBe(200);
  });

  it("answers 503 when NATS cannot store the change", async () => {
    const { url } = await serve(async () => {
      throw new UnavailableError("NATS is unreachable");
    });
    const response = await fetch(url(token), oneClick);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("30");
  });

  it("refuses a body over 4 KiB as 413, publishing nothing", async () => {
    const { published, url } = await serve();
    const response = await fetch(url(token), { ...oneClick, body: "x".repeat(4 * 1024 + 1) });
    expect(response.status).toBe(413);
    expect(published).toEqual([]);
  });

  it("answers 405 to other methods", async () => {
    const { url } = await serve();
    const response = await fetch(url(token), { method: "DELETE" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD, POST");
  });
});
