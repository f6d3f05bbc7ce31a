import { COMMAND_MAX_BYTES, FACT_MAX_BYTES } from "../model/index.ts";

/**
 * Room for a message's headers: its `Nats-Msg-Id` (an account, a namespace and an id of at most
 * 128 characters, escaped up to five bytes each) and an atomic batch's three headers, under 1 KiB.
 */
const HEADER_BYTES = 4 * 1024;

/**
 * The `max_payload` (headers included) nats-server must allow: the largest command or fact a
 * bounded request can lead to, with its headers (model/messageSizes.ts).
 */
export const REQUIRED_MAX_PAYLOAD = Math.max(COMMAND_MAX_BYTES, FACT_MAX_BYTES) + HEADER_BYTES;

/** The NATS server takes smaller messages than Masivo's bounds can produce: starting would stall on them. */
export class MaxPayloadTooSmallError extends Error {
  override name = "MaxPayloadTooSmallError";
  readonly serverMaxPayload: number;

  constructor(url: string, serverMaxPayload: number) {
    super(
      `the NATS server at ${url} takes messages of at most ${serverMaxPayload} bytes (max_payload), but Masivo ` +
        `needs ${REQUIRED_MAX_PAYLOAD}: one command may hold ${COMMAND_MAX_BYTES} bytes and the largest fact ` +
        `${FACT_MAX_BYTES} (a customer's profile with all its attributes), plus headers. ` +
        `Set max_payload to at least ${REQUIRED_MAX_PAYLOAD} in the server's configuration (1MB is the default).`,
    );
    this.serverMaxPayload = serverMaxPayload;
  }
}

/** Refuses a server whose `max_payload` is below REQUIRED_MAX_PAYLOAD. */
export function checkMaxPayload(url: string, serverMaxPayload: number): void {
  if (serverMaxPayload < REQUIRED_MAX_PAYLOAD) throw new MaxPayloadTooSmallError(url, serverMaxPayload);
}
