import * as messages from "./messages.ts";
import { clusterOfHost, type Permission, type ResolvedKey } from "./options.ts";
import { messageReply, type Reply } from "./reply.ts";

export type AuthOutcome = { ok: true; key: ResolvedKey } | { ok: false; reply: Reply };

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return match?.[1];
}

/**
 * A call's key must be known and, when bound to a cluster, be used on that cluster's host:
 * Braze answers 401 for a key sent to the wrong cluster, and 403 for a key without the permission.
 */
export function authenticate(
  keys: ReadonlyMap<string, ResolvedKey>,
  token: string | undefined,
  host: string | undefined,
  permission: Permission,
): AuthOutcome {
  const key = token === undefined ? undefined : keys.get(token);
  if (key === undefined || (key.cluster !== undefined && key.cluster !== clusterOfHost(host))) {
    return { ok: false, reply: messageReply(401, messages.INVALID_API_KEY) };
  }
  if (!key.permissions.has(permission)) return { ok: false, reply: messageReply(403, messages.ACCESS_DENIED) };
  return { ok: true, key };
}
