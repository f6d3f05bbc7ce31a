import { timingSafeEqual } from "node:crypto";
import { GraphQLError } from "graphql";
import { type Caller, unauthenticated } from "../schema/index.ts";
import { isApiKeyShaped } from "../store/index.ts";
import type { Authentication } from "./authentication.ts";
import { verifyUserToken } from "./userToken.ts";

/** What of a request authentication reads. */
export type Credentials = {
  /** The `Authorization` header. */
  authorization: string | null;
  /** The `X-Masivo-User` header: an app user's token, for SDK keys. */
  userToken: string | null;
  /** Who the request counts as for the failure limit (gateway/clientAddress.ts). */
  client: string;
};

/**
 * The caller: the root key, an account's key, or nobody (no key, or an unknown or revoked one).
 * A client past its failed-authentication limit gets `RATE_LIMITED` for any key this process
 * does not already know as valid; one SDK key serves every user of an app, often many behind one
 * address, and a known key costs no store read. An SDK key's user token is checked as the
 * account's SDK authentication says, and a refused one is `UNAUTHENTICATED` with its reason.
 */
export async function resolveCaller(
  credentials: Credentials,
  rootKey: string | undefined,
  authentication: Authentication,
): Promise<Caller | undefined> {
  const { authorization, client } = credentials;
  if (authorization === null) return undefined;
  const key = authorization.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  if (key && rootKey && sameSecret(key, rootKey)) return { kind: "root" };
  const found = key ? (authentication.apiKeys.known(key) ?? (await lookUp(key, client, authentication))) : undefined;
  if (!found) {
    authentication.failures.failed(client);
    return undefined;
  }
  const caller: Caller = { kind: "key", keyId: found.id, account: found.account, role: found.role };
  if (found.role !== "SDK") return caller;
  const customerId = await appUser(credentials, found.account, authentication);
  return customerId === undefined ? caller : { ...caller, customerId };
}

async function lookUp(key: string, client: string, authentication: Authentication) {
  const retryAfter = authentication.failures.retryAfterSeconds(client);
  if (retryAfter > 0) throw rateLimited(retryAfter);
  return isApiKeyShaped(key) ? authentication.apiKeys.authenticate(key) : undefined;
}

/**
 * The customer an SDK request's user token names. Without a token: refused when the account
 * requires one, else nobody in particular. A token is verified whenever the account has keys to
 * verify it with (required or not), and then binds the request to its customer.
 */
async function appUser(credentials: Credentials, account: string, authentication: Authentication) {
  const policy = await authentication.sdkAuthentication.policyOf(account);
  const token = credentials.userToken;
  if (token === null) {
    if (policy.required) throw userTokenRefused("MISSING", "this account's SDK requests need a user token");
    return undefined;
  }
  if (policy.keys.length === 0) return undefined;
  const check = await verifyUserToken(token, policy.keys);
  if (check.ok) return check.customerId;
  authentication.failures.failed(credentials.client);
  throw userTokenRefused(check.reason, check.message);
}

function userTokenRefused(reason: string, message: string): GraphQLError {
  return unauthenticated(`X-Masivo-User: ${message}`, reason);
}

function rateLimited(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`too many failed authentications from this address; retry in ${retryAfterSeconds} s`, {
    extensions: {
      code: "RATE_LIMITED",
      retryAfter: retryAfterSeconds,
      http: { status: 429, headers: { "Retry-After": String(retryAfterSeconds) } },
    },
  });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
