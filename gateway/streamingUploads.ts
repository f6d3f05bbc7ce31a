import { once } from "node:events";
import { IncomingMessage } from "node:http";
import type { Readable, Writable } from "node:stream";
import { Busboy } from "@fastify/busboy";
import type { Plugin } from "graphql-yoga";
import { multipartError } from "./multipartError.ts";
import { MAX_FIELD_BYTES } from "./multipartFields.ts";
import { MultipartReader } from "./multipartReader.ts";

/**
 * Parses `multipart/form-data` requests (the GraphQL multipart request spec) as they arrive, in
 * place of yoga's parser, which reads the whole body with `request.formData()` before execution.
 * The resolver gets the file as a stream while the client is still sending it. Once the response is
 * out, a file the resolver did not read (failed auth, missing audience) is read to its end and
 * dropped, so the client's request completes instead of stalling on a paused body.
 */
export function streamingUploads(): Plugin {
  const readers = new WeakMap<Request, MultipartReader>();
  return {
    onRequestParse({ request, serverContext, setRequestParser }) {
      if (!isMultipart(request)) return;
      failOnConnectionClose("req" in serverContext ? serverContext.req : undefined);
      setRequestParser((parsed) => {
        const reader = readMultipart(parsed);
        readers.set(request, reader);
        return reader.params.promise;
      });
    },
    onResponse({ request }) {
      readers.get(request)?.release();
    },
  };
}

function isMultipart(request: Request): boolean {
  const type = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  return request.method === "POST" && type === "multipart/form-data";
}

/** Feeds the body through busboy into a MultipartReader; `params` settles at the file part. */
function readMultipart(request: Request): MultipartReader {
  const reader = new MultipartReader();
  const guarded = (handle: () => void) => {
    if (reader.stopped.signal.aborted) return;
    try {
      handle();
    } catch (error) {
      reader.fail(error);
    }
  };
  let busboy: Writable;
  try {
    busboy = Busboy({
      headers: { "content-type": request.headers.get("content-type") ?? "" },
      limits: { fieldSize: MAX_FIELD_BYTES },
      // By the spec every part but these two is a file, whether or not the client named it.
      isPartAFile: (name) => name !== "operations" && name !== "map",
    });
  } catch (error) {
    reader.fail(multipartError(`invalid multipart request: ${(error as Error).message}`));
    return reader;
  }
  busboy.on("field", (name: string, value: string, _nameTruncated: boolean, valueTruncated: boolean) =>
    guarded(() => reader.field(name, value, valueTruncated)),
  );
  busboy.on("file", (name: string, source: Readable, filename: string, _encoding: string, type: string) => {
    // A part we do not hand on is read and dropped; its error (a body cut short) must not go unhandled.
    source.on("error", () => {});
    guarded(() => reader.file(name, source, filename || name, type));
    if (reader.stopped.signal.aborted) source.resume();
  });
  busboy.on("finish", () => guarded(() => reader.finish()));
  busboy.on("error", (error: Error) => reader.fail(multipartError(`invalid multipart body: ${error.message}`)));
  pump(request.body, busboy, reader.stopped.signal).catch((error: unknown) => reader.fail(error));
  return reader;
}

/**
 * Writes the body into busboy, waiting whenever busboy asks (its file part is not being read).
 * After a failure the rest of the body is still read, and dropped, so the response can complete.
 */
async function pump(body: ReadableStream<Uint8Array> | null, busboy: Writable, stopped: AbortSignal) {
  for await (const chunk of body ?? []) {
    if (stopped.aborted) continue;
    if (!busboy.write(chunk)) await once(busboy, "drain", { signal: stopped }).catch(() => undefined);
  }
  if (!stopped.aborted) busboy.end();
}

/**
 * Node stops watching a request once its response is out. If the client then drops the connection
 * (undici's fetch does when it gets an answer before it has sent everything), the unread rest of
 * the body neither ends nor fails, and `pump` would wait on it for good. Destroying the request
 * turns that into an error `pump` sees.
 */
function failOnConnectionClose(req: unknown): void {
  if (!(req instanceof IncomingMessage)) return; // gateway.fetch in-process: no connection
  const socket = req.socket;
  const onClose = () => req.destroy(new Error("the connection closed before the whole request had arrived"));
  socket.once("close", onClose);
  // The socket may carry further requests (keep-alive); this one is done once it ends or fails.
  req.once("close", () => socket.off("close", onClose));
}
