/**
 * A GraphQL subscription over SSE, read event by event, once the server has started it: this
 * returns when the stream's first bytes (a ping) arrive. Yoga writes them only after the field's
 * `subscribe` resolved, and as it pulls the first value; a subscription that is listening by then
 * (see each caller) hears everything published afterwards: a real signal, where a pause could be
 * too short.
 */
export async function openSseSubscription(
  baseUrl: string,
  headers: Record<string, string>,
  body: { query: string; variables?: Record<string, unknown> },
) {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  if (!response.body) throw new Error("no SSE body");
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (buffer === "") {
    const { value, done } = await reader.read();
    if (done) throw new Error("subscription ended before it started");
    buffer += value;
  }
  return {
    /** The next event's payload: `{ data }` or `{ errors }`. */
    async next(): Promise<{
      data?: Record<string, unknown>;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    }> {
      for (;;) {
        const match = /^data: (.+)$/m.exec(buffer);
        if (match?.[1]) {
          buffer = buffer.slice((match.index ?? 0) + match[0].length);
          return JSON.parse(match[1]);
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("subscription ended");
        buffer += value;
      }
    },
    close: () => controller.abort(),
  };
}
