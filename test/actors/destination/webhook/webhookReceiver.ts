import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** A delivery as the receiver got it: its headers and body, and whether each secret verified it. */
export type Received = { path: string; headers: Record<string, string>; body: string; verifiedBy: string[] };

/**
 * A webhook endpoint on loopback that verifies every delivery with the `standardwebhooks` library
 * against each of `secrets`, and answers what `answer` says (a status; `hang` never answers, and
 * the delivery is `hanging` until the sender gives up on it and closes the connection).
 * It closes every connection, so each delivery connects (and resolves) anew.
 */
export async function startWebhookReceiver(secrets: string[]) {
  const received: Received[] = [];
  /** Deliveries left unanswered whose connection the sender has not closed yet. */
  const hanging = new Set<Received>();
  const state = {
    answer: (_delivery: Received): number | "hang" => 200,
    headers: {} as Record<string, string>,
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.join(",") : (value ?? ""),
        ]),
      );
      const verifiedBy = secrets.filter((secret) => {
        try {
          new Webhook(secret).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      const delivery = { path: request.url ?? "", headers, body, verifiedBy };
      received.push(delivery);
      const answer = state.answer(delivery);
      if (answer === "hang") {
        hanging.add(delivery);
        response.on("close", () => hanging.delete(delivery));
        return;
      }
      response.writeHead(answer, { connection: "close", ...state.headers });
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    hanging,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
