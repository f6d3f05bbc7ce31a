import { COMMAND_MAX_BYTES, type IngestCommand, ingestCommandSchema } from "../model/index.ts";
import { CommandTooLargeError } from "./errors.ts";
import { jsonCodec } from "./jsonCodec.ts";

const commandCodec = jsonCodec(ingestCommandSchema);

export const encodeCommand: (command: IngestCommand) => Uint8Array = commandCodec.encode;

/**
 * Encodes a command for INGEST, refusing one over COMMAND_MAX_BYTES: a CommandTooLargeError
 * naming `index`, its place among the commands of its request.
 */
export function encodeBoundedCommand(command: IngestCommand, index: number): Uint8Array {
  const payload = encodeCommand(command);
  if (payload.byteLength > COMMAND_MAX_BYTES) throw new CommandTooLargeError(index, payload.byteLength);
  return payload;
}

/** Decodes and validates an INGEST payload; throws on a malformed one. */
export const decodeCommand: (payload: Uint8Array) => IngestCommand = commandCodec.decode;
