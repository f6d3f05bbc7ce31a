/**
 * A webhook endpoint on loopback for benchmarks: it answers 200 at once and counts deliveries by
 * `webhook-id` (the fact's id, the same on every try), so duplicates show. Verifying a Standard
 * Webhooks signature costs the receiver CPU the destination would then miss, so it verifies one
 * delivery in `verifyEvery` and counts those that fail.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { Webhook } from "standardwebhooks";

export type WebhookTally = {
  url: string;
  /** Deliveries per `webhook-id`. */
  deliveries: ReadonlyMap<string, number>;
  /** The deliveries received, duplicates included. */
  received: () => number;
  /** When the last new `webhook-id` arrived (`performance.now()`), or undefined before any. */
  lastNewAt: () => number | undefined;
  /** The secret to verify with: the endpoint's, known once it is created with this tally's URL. */
  trust: (secret: string) => void;
  verified: () => number;
  /** Sampled deliveries whose signature did not verify, with the library's reason. */
  unverified: () => string[];
  close: () => Promise<void>;
};

export async function startWebhookTally(options: { verifyEvery: number }): Promise<WebhookTally> {
  let webhook: Webhook | undefined;
  const deliveries = new Map<string, number>();
  const unverified: string[] = [];
  let received = 0;
  let verified = 0;
  let lastNewAt: number | undefined;

  const verify = (body: string, headers: http.IncomingHttpHeaders) => {
    const plain = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(",") : (value ?? "")]),
    );
    try {
      if (!webhook) throw new Error("arrived before the endpoint's secret was known");
      webhook.verify(body, plain);
      verified += 1;
    } catch (error) {
      unverified.push(`${plain["webhook-id"]}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const server = http.createServer((request, response) => {
    received += 1;
    const id = String(request.headers["webhook-id"] ?? "");
    const seen = deliveries.get(id) ?? 0;
    deliveries.set(id, seen + 1);
    if (seen === 0) lastNewAt = performance.now();
    // The first delivery and every `verifyEvery`-th after it.
    if ((received - 1) % options.verifyEvery !== 0) {
      request.resume();
      request.on("end", () => response.end());
      return;
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      verify(Buffer.concat(chunks).toString("utf8"), request.headers);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    deliveries,
    received: () => received,
    lastNewAt: () => lastNewAt,
    trust: (secret) => {
      webhook = new Webhook(secret);
    },
    verified: () => verified,
    unverified: () => unverified,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
