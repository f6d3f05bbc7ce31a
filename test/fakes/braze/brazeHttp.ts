import { Agent, type IncomingHttpHeaders, request } from "node:http";

/** An answer from the fake: status, headers and the parsed JSON body (or the text when not JSON). */
export type BrazeResponse = { status: number; headers: IncomingHttpHeaders; body: unknown };

export type CallOptions = {
  /** Bearer key; null sends no Authorization header. Default: the fake's default key. */
  key?: string | null;
  /** A raw Authorization header, sent instead of the Bearer key. */
  authorization?: string;
  /** Overrides the Host header (node:http lets us; fetch would not). */
  host?: string;
  method?: string;
  /** Rejects with "timeout" when no answer comes within this many ms. */
  timeoutMs?: number;
};

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One call to the fake; `body` is sent as JSON unless it is already a string. */
export function call(baseUrl: string, path: string, body?: unknown, options: CallOptions = {}): Promise<BrazeResponse> {
  const url = new URL(path, baseUrl);
  const payload = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(payload)),
  };
  const key = options.key === undefined ? "fake-braze-key" : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  if (options.host !== undefined) headers.host = options.host;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? "POST", headers, agent }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parse(text) }));
    });
    if (options.timeoutMs !== undefined) {
      req.setTimeout(options.timeoutMs, () => {
        req.destroy();
        reject(new Error("timeout"));
      });
    }
    req.on("error", reject);
    req.end(payload);
  });
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The x-ratelimit-* headers of an answer, for exact comparisons. */
export function rateHeaders(response: BrazeResponse): Record<string, string> {
  return Object.fromEntries(
    Object.entries(response.headers).filter(([name]) => name.startsWith("x-ratelimit-")) as [string, string][],
  );
}

/** A clock tests move by hand. */
export function manualClock(start = Date.UTC(2026, 0, 1)) {
  let time = start;
  return {
    now: () => time,
    advance(ms: number) {
      time += ms;
    },
    set(ms: number) {
      time = ms;
    },
  };
}
