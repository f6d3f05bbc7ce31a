import { timingSafeEqual } from "node:crypto";
import type { Caller } from "../schema/index.ts";
import type { ApiKeys } from "../store/index.ts";

/** Reads `Authorization: Bearer <key>`: the root key, an account's key, or nobody. */
export async function resolveCaller(
  authorization: string | null,
  rootKey: string | undefined,
  apiKeys: ApiKeys,
): Promise<Caller | undefined> {
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  const key = match?.[1];
  if (!key) return undefined;
  if (rootKey && sameSecret(key, rootKey)) return { kind: "root" };
  const found = await apiKeys.authenticate(key);
  return found ? { kind: "key", keyId: found.id, account: found.account, role: found.role } : undefined;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
