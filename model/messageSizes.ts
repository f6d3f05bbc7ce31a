import { CUSTOMER_BOUNDS } from "./customerBounds.ts";

/**
 * How large the messages Masivo puts on NATS may grow, measured encoded (JSON, UTF-8). Every bound
 * at the edge exists so that what a command leads to stays within these; nats-server's
 * `max_payload` must hold the largest of them (streams/maxPayload.ts checks it at start-up).
 */

/** One command on INGEST: a customer upsert, one event, a device registration, … */
export const COMMAND_MAX_BYTES = 256 * 1024;

/**
 * What a fact carries besides one command's data or the customer's attributes: the profile fields
 * (five of at most 255 characters, ≤ 6 bytes each when JSON escapes them), consent, and metadata
 * (a customer id of at most 256 characters, the account, ids and times): under 8 KiB, doubled.
 */
const FACT_OVERHEAD_BYTES = 16 * 1024;

/**
 * The largest fact a bounded command can lead to: `customer.profileChanged` carries all the
 * attributes (at most CUSTOMER_BOUNDS.attributesBytes); `event.recorded`, `purchase.recorded` and
 * `tags.changed` carry at most one command's data.
 */
export const FACT_MAX_BYTES = Math.max(COMMAND_MAX_BYTES, CUSTOMER_BOUNDS.attributesBytes) + FACT_OVERHEAD_BYTES;
