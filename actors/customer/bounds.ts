import { CUSTOMER_BOUNDS, type IngestCommand, type PersistedCustomer } from "../../model/index.ts";
import type { CommandRefusal } from "./outcomes.ts";

/**
 * Whether a command's result must be refused: parts a client replaces or merges at once are
 * refused beyond their bound (parts that grow one entry at a time forget their oldest instead, where
 * they grow: devices.ts, orders.ts, stats.ts). Only what the command touched is measured.
 */
export function refusalOf(
  command: IngestCommand,
  after: { status: "absent" } | PersistedCustomer,
): CommandRefusal | undefined {
  if (command.type !== "customer.upsert" || command.data.attributes === undefined || after.status !== "active") {
    return undefined;
  }
  const bytes = Buffer.byteLength(JSON.stringify(after.attributes));
  const bound = CUSTOMER_BOUNDS.attributesBytes;
  return bytes > bound ? { type: "attributesTooLarge", bytes, bound } : undefined;
}
