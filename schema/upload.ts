/**
 * What the File scalar hands a resolver: a file part of a multipart request. The gateway streams it
 * while the request is still arriving (gateway/streamedUpload.ts), so it has no size and can be
 * read once; in-process callers may pass a web `File`, which fits this shape too.
 */
export type Upload = {
  readonly name: string;
  readonly type: string;
  stream(): ReadableStream<Uint8Array>;
};
