import { COMMAND_MAX_BYTES } from "../model/index.ts";

/**
 * NATS is unreachable, refused a publish, or did not confirm it in time. Publishers say what may
 * have been stored meanwhile; a retry with the same message ids stores each message once.
 */
export class UnavailableError extends Error {
  override name = "UnavailableError";
  readonly code = "UNAVAILABLE";
}

/** A command over COMMAND_MAX_BYTES encoded: nothing of its request was published, and retrying cannot help. */
export class CommandTooLargeError extends Error {
  override name = "CommandTooLargeError";
  readonly code = "PAYLOAD_TOO_LARGE";
  /** Its place among the commands of the request. */
  readonly index: number;
  readonly bytes: number;
  readonly limit = COMMAND_MAX_BYTES;

  constructor(index: number, bytes: number) {
    super(`command ${index} is ${bytes} bytes encoded, over the ${COMMAND_MAX_BYTES} one command may hold`);
    this.index = index;
    this.bytes = bytes;
  }
}
