import { createHmac, timingSafeEqual } from "node:crypto";
import { accountIdSchema, customerIdSchema } from "./identifiers.ts";

/**
 * The token of an unsubscribe link (`/unsubscribe/<token>`): who unsubscribes, signed, so that
 * nobody can unsubscribe a customer whose link they were not sent. It never expires: a link in an
 * old email must keep working (RFC 8058). Laid out as
 * `version (1 byte) · account length (1 byte) · account · customer id · HMAC-SHA256 (32 bytes)`,
 * base64url, the MAC over everything before it.
 */

export type Unsubscriber = { account: string; customerId: string };

const VERSION = 1;
const MAC_BYTES = 32;

/** The key unsubscribe tokens are signed with, derived from the master key so that it never needs configuring. */
export function deriveUnsubscribeKey(masterKey: string): Buffer {
  return createHmac("sha256", masterKey).update("masivo unsubscribe tokens").digest();
}

export function unsubscribeToken(key: Buffer, { account, customerId }: Unsubscriber): string {
  const accountBytes = Buffer.from(accountIdSchema.parse(account));
  const signed = Buffer.concat([
    Buffer.from([VERSION, accountBytes.length]),
    accountBytes,
    Buffer.from(customerIdSchema.parse(customerId)),
  ]);
  return Buffer.concat([signed, macOf(key, signed)]).toString("base64url");
}

/** Who the token unsubscribes; undefined for anything not signed with `key`, or not whole. */
export function readUnsubscribeToken(key: Buffer, token: string): Unsubscriber | undefined {
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(token)) return undefined;
  const bytes = Buffer.from(token, "base64url");
  // One spelling per token: a decoder ignores the last character's spare bits.
  if (bytes.toString("base64url") !== token) return undefined;
  if (bytes.length < 2 + MAC_BYTES + 2 || bytes[0] !== VERSION) return undefined;
  const signed = bytes.subarray(0, bytes.length - MAC_BYTES);
  if (!timingSafeEqual(bytes.subarray(signed.length), macOf(key, signed))) return undefined;
  const accountEnd = 2 + (bytes[1] ?? 0);
  const account = accountIdSchema.safeParse(signed.subarray(2, accountEnd).toString());
  const customerId = customerIdSchema.safeParse(signed.subarray(accountEnd).toString());
  return account.success && customerId.success ? { account: account.data, customerId: customerId.data } : undefined;
}

/** The link an email's `List-Unsubscribe` header and `unsubscribeUrl` variable carry. */
export function unsubscribeUrl(publicBaseUrl: string, key: Buffer, unsubscriber: Unsubscriber): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/unsubscribe/${unsubscribeToken(key, unsubscriber)}`;
}

function macOf(key: Buffer, signed: Buffer): Buffer {
  return createHmac("sha256", key).update(signed).digest();
}
