import { createServer, request } from "node:http";

/**
 * An HTTP proxy in front of an S3 server that learns when an object has just been written (a PUT
 * of a whole object, or the completion of a multipart upload, answered 200) and runs `whenWritten`
 * before passing the answer on: the test can kill the writer with the object stored and its answer
 * never received. Requests pass unchanged (Host included, so signatures still hold).
 */
export async function startObjectWrittenProxy(target: string, whenWritten: (key: string) => Promise<void>) {
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      async (answer) => {
        const url = new URL(incoming.url ?? "/", "http://proxy");
        const wholeObject =
          (incoming.method === "PUT" && !url.searchParams.has("partNumber")) ||
          (incoming.method === "POST" && url.searchParams.has("uploadId"));
        if (wholeObject && answer.statusCode === 200) await whenWritten(url.pathname);
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on("error", () => outgoing.destroy());
    outgoing.on("close", () => forwarded.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
