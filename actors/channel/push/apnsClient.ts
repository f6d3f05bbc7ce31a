import { type ClientHttp2Session, type ClientHttp2Stream, connect, constants } from "node:http2";
import type { ApnsSettings } from "../../../model/index.ts";
import type { ProviderAnswer } from "../providerAnswer.ts";
import { apnsPayload } from "./apnsPayload.ts";
import { createApnsProviderTokens } from "./apnsProviderToken.ts";
import { type ApnsAnswer, classifyApnsAnswer } from "./classifyApnsAnswer.ts";
import { apnsExpiration, collapseIdOf, type PushDevice, type PushNotification } from "./pushNotification.ts";

export type ApnsClient = {
  send(notification: PushNotification, device: PushDevice): Promise<ProviderAnswer>;
  close(): void;
};

export type ApnsClientOptions = {
  settings: ApnsSettings;
  privateKey: string;
  /** `https://api.push.apple.com` (or the sandbox), or a fake's `http://` (h2c). */
  origin: string;
  timeoutMs: number;
  now: () => number;
};

/** No answer, told apart by whether the notification may have reached APNs. */
type Unanswered = { lost: boolean; reason: string };

/**
 * APNs' provider API over one HTTP/2 session per integration, opened on first use and again after
 * it closes (APNs closes idle sessions and sends GOAWAY on errors). Token-based auth: an
 * ES256 provider JWT, re-signed once when APNs says it expired.
 */
export function createApnsClient(options: ApnsClientOptions): ApnsClient {
  const tokens = createApnsProviderTokens({ ...options.settings, privateKey: options.privateKey }, options.now);
  let session: ClientHttp2Session | undefined;

  let opening: Promise<ClientHttp2Session | Unanswered> | undefined;

  const open = (): Promise<ClientHttp2Session | Unanswered> => {
    let opened: ClientHttp2Session;
    try {
      opened = connect(options.origin);
    } catch (error) {
      return Promise.resolve({ lost: false, reason: `cannot connect to APNs at ${options.origin}: ${String(error)}` });
    }
    // Errors after connecting reach the streams they cut; the session only has to be replaced.
    opened.on("error", () => undefined);
    opened.on("close", () => {
      if (session === opened) session = undefined;
    });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        opened.destroy();
        resolve({ lost: false, reason: `no APNs connection within ${options.timeoutMs} ms` });
      }, options.timeoutMs);
      opened.once("connect", () => {
        clearTimeout(timer);
        session = opened;
        resolve(opened);
      });
      opened.once("error", (error) => {
        clearTimeout(timer);
        resolve({ lost: false, reason: `APNs connection failed: ${error.message}` });
      });
    });
  };
  const connected = (): Promise<ClientHttp2Session | Unanswered> => {
    if (session !== undefined && !session.closed && !session.destroyed) return Promise.resolve(session);
    opening ??= open().finally(() => {
      opening = undefined;
    });
    return opening;
  };

  const post = async (
    notification: PushNotification,
    device: PushDevice,
    jwt: string,
  ): Promise<ApnsAnswer | Unanswered> => {
    const open = await connected();
    if (!("request" in open)) return open;
    const ttl = notification.ttlSeconds;
    let stream: ClientHttp2Stream;
    try {
      stream = open.request({
        ":method": "POST",
        ":path": `/3/device/${encodeURIComponent(device.token)}`,
        authorization: `bearer ${jwt}`,
        "apns-topic": options.settings.bundleId,
        "apns-push-type": "alert",
        "apns-priority": "10",
        "apns-expiration": String(apnsExpiration(ttl, options.now())),
        "apns-collapse-id": collapseIdOf(notification.sendKey),
        "content-type": "application/json",
      });
    } catch (error) {
      // A session closing (GOAWAY received) takes no new stream: nothing was sent.
      return { lost: false, reason: `APNs refused a new stream: ${String(error)}` };
    }
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let headers: { status: number; apnsId: string | undefined; retryAfter: string | undefined } | undefined;
      const timer = setTimeout(() => {
        resolve({ lost: true, reason: `no APNs answer within ${options.timeoutMs} ms` });
        stream.close(constants.NGHTTP2_CANCEL);
      }, options.timeoutMs);
      stream.on("response", (response) => {
        headers = {
          status: Number(response[":status"]),
          apnsId: single(response["apns-id"]),
          retryAfter: single(response["retry-after"]),
        };
      });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (headers === undefined) return;
        resolve({ ...headers, reason: reasonOf(Buffer.concat(chunks).toString("utf8")) });
      });
      stream.on("close", () => {
        clearTimeout(timer);
        // A stream the server refused (GOAWAY, REFUSED_STREAM) was never processed.
        const refused = stream.rstCode === constants.NGHTTP2_REFUSED_STREAM;
        resolve({ lost: !refused, reason: `APNs stream closed without an answer (code ${stream.rstCode})` });
      });
      stream.on("error", (error) => resolve({ lost: true, reason: `APNs stream failed: ${error.message}` }));
      stream.end(apnsPayload(notification));
    });
  };

  const send = async (
    notification: PushNotification,
    device: PushDevice,
    resigned = false,
  ): Promise<ProviderAnswer> => {
    let jwt: string;
    try {
      jwt = await tokens.get();
    } catch (error) {
      return { kind: "misconfigured", reason: `the APNs private key cannot sign: ${String(error)}` };
    }
    const answer = await post(notification, device, jwt);
    if ("lost" in answer)
      return answer.lost ? { kind: "unknown", reason: answer.reason } : { kind: "retry", reason: answer.reason };
    if (answer.reason === "ExpiredProviderToken" && !resigned) {
      tokens.renew();
      return send(notification, device, true);
    }
    return classifyApnsAnswer(answer, options.now());
  };

  return {
    send: (notification, device) => send(notification, device),
    close() {
      session?.close();
      session = undefined;
    },
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function reasonOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "reason" in parsed && typeof parsed.reason === "string") {
      return parsed.reason;
    }
  } catch {
    // An empty body (a 200) or a proxy's text page has no reason.
  }
  return undefined;
}
