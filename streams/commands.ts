import { type IngestCommand, ingestCommandSchema } from "../model/index.ts";
import { jsonCodec } from "./jsonCodec.ts";

const commandCodec = jsonCodec(ingestCommandSchema);

export const encodeCommand: (command: IngestCommand) => Uint8Array = commandCodec.encode;

/** Decodes and validates an INGEST payload; throws on a malformed one. */
export const decodeCommand: (payload: Uint8Array) => IngestCommand = commandCodec.decode;
