/** What came back from one Braze call: an answer, or no answer at all. */
export type BrazeResponse = { status: number; headers: Headers; body: BrazeResponseBody } | { error: string };

/** The fields of a Braze answer we read (see specs/braze.md §2–§3). */
export type BrazeResponseBody = {
  message?: string;
  errors?: { type: string; input_array?: string; index?: number }[];
};

export type BrazeClient = {
  track: (body: object, signal: AbortSignal) => Promise<BrazeResponse>;
  deleteUsers: (externalIds: string[], signal: AbortSignal) => Promise<BrazeResponse>;
};

export type BrazeClientOptions = {
  restEndpoint: string;
  apiKey: string;
  /** A call without an answer after this long counts as a timeout (retried). */
  timeoutMs?: number;
};

/** Braze's REST API over HTTP: bearer auth, JSON both ways, a timeout per call. */
export function createBrazeClient(options: BrazeClientOptions): BrazeClient {
  const base = options.restEndpoint.replace(/\/+$/, "");
  const post = async (path: string, body: object, signal: AbortSignal): Promise<BrazeResponse> => {
    try {
      const response = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${options.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs ?? 30_000)]),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: parseBody(text) };
    } catch (error) {
      if (signal.aborted) throw error;
      return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  };
  return {
    track: (body, signal) => post("/users/track", body, signal),
    deleteUsers: (externalIds, signal) => post("/users/delete", { external_ids: externalIds }, signal),
  };
}

function parseBody(text: string): BrazeResponseBody {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? (parsed as BrazeResponseBody) : { message: text };
  } catch {
    return { message: text.slice(0, 500) };
  }
}

/** Braze's answer to a call with more objects than the account allows (specs/braze.md §2). */
export function isTooLong(response: BrazeResponse): boolean {
  return (
    "status" in response && response.status === 400 && /max input length exceeded/i.test(response.body.message ?? "")
  );
}
