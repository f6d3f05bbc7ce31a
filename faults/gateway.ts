/** What a GraphQL call came to: its data, or the error code it was refused with. */
export type Answer<T> = { data: T } | { code: string; message: string };

/** A GraphQL call to the gateway; never throws: an unreachable gateway answers `UNREACHABLE`. */
export type GraphQL = <T>(query: string, variables?: Record<string, unknown>) => Promise<Answer<T>>;

const TIMEOUT_MS = 15_000;

export function graphqlClient(url: string, key: string): GraphQL {
  const headers = { "content-type": "application/json", authorization: `Bearer ${key}` };
  return async <T>(query: string, variables: Record<string, unknown> = {}): Promise<Answer<T>> => {
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      return { code: timedOut ? "TIMEOUT" : "UNREACHABLE", message: String(error) };
    }
    let body: { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return { code: `HTTP_${response.status}`, message: text.slice(0, 300) };
    }
    const error = body.errors?.[0];
    if (error) return { code: error.extensions?.code ?? `HTTP_${response.status}`, message: error.message };
    if (!body.data) return { code: `HTTP_${response.status}`, message: text.slice(0, 300) };
    return { data: body.data };
  };
}

/** The data of an answer; throws with the operation and the code otherwise (for set-up calls). */
export function dataOf<T>(answer: Answer<T>, operation: string): T {
  if ("data" in answer) return answer.data;
  throw new Error(`${operation} failed: ${answer.code}: ${answer.message}`);
}
