import type { Readable } from "node:stream";
import type { Upload } from "../schema/index.ts";

/**
 * The file part of a multipart request, handed to resolvers while it is still arriving. Bytes flow
 * only as fast as the reader pulls them: an unread chunk pauses the part, which pauses the parser,
 * which stops reading the request. The stream ends only once the whole request has been parsed
 * (`finish`), so a part that breaks the one-file rule after it still reaches the reader, as an error.
 */
export class StreamedUpload implements Upload {
  readonly name: string;
  readonly type: string;
  #source: Readable;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #open = false;
  #taken = false;
  #ended = false;
  #finished = false;
  #failure: { error: unknown } | undefined;

  constructor(source: Readable, name: string, type: string) {
    this.name = name;
    this.type = type;
    this.#source = source;
    source.on("end", () => {
      this.#ended = true;
      this.#closeIfDone();
    });
    source.on("error", (error) => this.fail(error));
  }

  stream(): ReadableStream<Uint8Array> {
    if (this.#taken) throw new Error(`upload ${this.name} has already been read: a streamed file is read once`);
    this.#taken = true;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
        this.#open = true;
        if (this.#failure) return this.#error(this.#failure.error);
        this.#source.on("data", this.#onData);
        this.#closeIfDone();
      },
      pull: () => {
        this.#source.resume();
      },
      cancel: () => {
        this.#open = false;
        this.#discardSource();
      },
    });
  }

  /** The whole request has been parsed and nothing follows the file. */
  finish(): void {
    this.#finished = true;
    this.#closeIfDone();
  }

  /** The request went wrong during or after the file: the reader gets `error`, the rest is discarded. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    this.#error(error);
    this.#discardSource();
  }

  /** Nobody will read the file (the response is out): let the rest of the request flow past. */
  discard(): void {
    if (this.#taken) return;
    this.#taken = true;
    this.#discardSource();
  }

  #onData = (chunk: Buffer) => {
    if (!this.#controller || !this.#open) return;
    this.#controller.enqueue(chunk);
    if ((this.#controller.desiredSize ?? 0) <= 0) this.#source.pause();
  };

  #closeIfDone(): void {
    if (!this.#controller || !this.#open || !this.#ended || !this.#finished) return;
    this.#open = false;
    this.#controller.close();
  }

  #error(error: unknown): void {
    if (!this.#controller || !this.#open) return;
    this.#open = false;
    this.#controller.error(error);
  }

  /** Reads and drops what is left of the part, so the parser, and the request, can go on to the end. */
  #discardSource(): void {
    this.#source.off("data", this.#onData);
    this.#source.resume();
  }
}
