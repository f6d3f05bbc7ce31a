import type { Context } from "./context.ts";
import { forbidden } from "./errors.ts";

/**
 * Refuses, naming `field`, a customer this caller may not touch: an SDK request bound to an app
 * user by its token touches that customer only. Every resolver that takes a customer id from an
 * SDK caller asks this.
 */
export function ensureMayTouchCustomer(context: Context, customerId: string, field: string): void {
  const caller = context.caller;
  if (caller?.kind !== "key" || caller.customerId === undefined || caller.customerId === customerId) return;
  throw forbidden(`${field}: the user token (X-Masivo-User) is for another customer`, field);
}
