import type { Readable } from "node:stream";
import { multipartError } from "./multipartError.ts";
import {
  type FileSlot,
  MAX_FIELD_BYTES,
  type Operations,
  parseMap,
  parseOperations,
  setAtPath,
} from "./multipartFields.ts";
import { StreamedUpload } from "./streamedUpload.ts";

const SPEC = "see https://github.com/jaydenseric/graphql-multipart-request-spec";

/**
 * The parts of one multipart request, in the order the spec requires: `operations`, `map`, then at
 * most one file. `params` settles when the file part starts, before any of its bytes are read, so
 * the resolver reads the file as it arrives; with no file, once the request has been read.
 * Handlers throw a BAD_REQUEST GraphQLError for a part out of place; the caller passes it to `fail`.
 */
export class MultipartReader {
  readonly params = Promise.withResolvers<Operations>();
  /** Aborted on the first failure: from then on the rest of the request is read and dropped. */
  readonly stopped = new AbortController();
  #operations: Operations | undefined;
  /** undefined until `map` has been read; null when it names no file. */
  #slot: FileSlot | null | undefined;
  #upload: StreamedUpload | undefined;
  #settled = false;

  field(name: string, value: string, truncated: boolean): void {
    if (this.#upload)
      throw multipartError(`multipart field "${name}" follows the file; the file must be the last part`);
    if (truncated) throw multipartError(`multipart field "${name}" is over ${MAX_FIELD_BYTES} bytes`);
    if (this.#operations === undefined) {
      if (name !== "operations") throw missingOperations(name);
      this.#operations = parseOperations(value);
    } else if (this.#slot === undefined) {
      if (name !== "map")
        throw multipartError(`multipart field "map" must follow "operations", not "${name}"; ${SPEC}`);
      this.#slot = parseMap(value) ?? null;
    } else {
      throw multipartError(`unexpected multipart field "${name}": only operations, map and one file are read`);
    }
  }

  file(name: string, source: Readable, filename: string, type: string): void {
    if (this.#upload) throw multipartError(`a request carries one file; "${name}" is a second file part`);
    const operations = this.#operations;
    if (operations === undefined) throw missingOperations(name);
    const slot = this.#slot;
    if (slot === undefined) throw multipartError(`file part "${name}" comes before multipart field "map"; ${SPEC}`);
    if (slot === null || slot.part !== name) throw multipartError(`file part "${name}" is not named in "map"`);
    this.#upload = new StreamedUpload(source, filename, type);
    for (const path of slot.paths) setAtPath(operations, path, this.#upload);
    this.#settle(operations);
  }

  /** Every part has been read. */
  finish(): void {
    if (this.#operations === undefined) throw missingOperations(undefined);
    if (this.#slot && !this.#upload) {
      throw multipartError(`"map" names file part "${this.#slot.part}", but the request has no such part`);
    }
    if (this.#upload) this.#upload.finish();
    else this.#settle(this.#operations);
  }

  /** The first failure wins: before the file it refuses the request, after it the reader gets it. */
  fail(error: unknown): void {
    if (this.stopped.signal.aborted) return;
    this.stopped.abort();
    if (!this.#settled) this.params.reject(error);
    this.#upload?.fail(error);
  }

  /** The response is out: a file nobody read is let through, so the request can finish. */
  release(): void {
    this.#upload?.discard();
  }

  #settle(operations: Operations): void {
    this.#settled = true;
    this.params.resolve(operations);
  }
}

function missingOperations(first: string | undefined) {
  const got = first === undefined ? "it has no parts" : `its first part is "${first}"`;
  return multipartError(`missing multipart field "operations": a request must start with it, but ${got}; ${SPEC}`);
}
