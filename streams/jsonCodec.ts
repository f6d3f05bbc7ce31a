import type { z } from "zod";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A message codec: JSON on the wire, validated with its zod schema when read. */
export type JsonCodec<T> = { encode: (value: T) => Uint8Array; decode: (payload: Uint8Array) => T };

/** Decoding throws a ZodError (or a SyntaxError) on a malformed payload. */
export function jsonCodec<S extends z.ZodType>(schema: S): JsonCodec<z.infer<S>> {
  return {
    encode: (value) => encoder.encode(JSON.stringify(value)),
    decode: (payload) => schema.parse(JSON.parse(decoder.decode(payload))),
  };
}
