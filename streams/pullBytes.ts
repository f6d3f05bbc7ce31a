import type { NatsConnection } from "@nats-io/transport-node";
import { REQUIRED_MAX_PAYLOAD } from "./maxPayload.ts";

/** What a message's subjects and headers take beside its payload, generously. */
const MESSAGE_ENVELOPE_BYTES = 4 * 1024;

/** What a pull brings at most unless told: hundreds of the usual messages, a few of the largest. */
export const PULL_BYTES = 1024 * 1024;

/**
 * The most bytes one pull may bring: `wanted`, but never less than the largest message the server
 * carries with its envelope, which a smaller pull could never take (the server would answer it
 * with nothing, again and again). Bounding pulls by bytes as well as by count keeps a stream of
 * large messages from arriving faster than the process reads: nats-server drops a connection whose
 * unread bytes pass its `max_pending` (64 MiB), and the pull that follows would do the same again.
 * nats.js takes a pull's bound in messages or in bytes, not both: bounded in bytes, a pull asks for
 * at most 100 messages, so small ones still come a hundred at a time.
 */
export function pullBytes(nc: NatsConnection, wanted = PULL_BYTES): number {
  const largest = nc.info?.max_payload ?? REQUIRED_MAX_PAYLOAD;
  return Math.max(wanted, largest + MESSAGE_ENVELOPE_BYTES);
}
