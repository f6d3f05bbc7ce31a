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

/**
 * Refuses, naming `field`, a customer whose own data (the in-app inbox) this caller may not read:
 * an ADMIN key reads any customer's; an SDK key only the customer its verified user token names,
 * whether or not the account requires SDK authentication, since without a token anyone holding
 * the app's SDK key could read anyone's inbox.
 */
export function ensureMayReadCustomer(context: Context, customerId: string, field: string): void {
  const caller = context.caller;
  if (caller?.kind !== "key" || caller.role === "ADMIN") return;
  if (caller.customerId === undefined) {
    throw forbidden(
      `${field}: an SDK key reads a customer's in-app messages only with that customer's user token (X-Masivo-User)`,
      field,
    );
  }
  ensureMayTouchCustomer(context, customerId, field);
}
