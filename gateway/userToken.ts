import { decodeProtectedHeader, errors, jwtVerify } from "jose";
import { customerIdSchema } from "../model/index.ts";
import { SDK_TOKEN_ALGORITHMS, type SdkPublicKey, type SdkTokenAlgorithm } from "../schema/index.ts";

/** The header an SDK request carries its app user's token in. */
export const USER_TOKEN_HEADER = "x-masivo-user";
/** How far the token's `exp` and `nbf` may be off, for clocks that disagree a little. */
export const USER_TOKEN_CLOCK_TOLERANCE_S = 30;
/** A longer header is refused before any parsing. */
export const MAX_USER_TOKEN_CHARS = 8192;

/** Why a token was refused, as `extensions.reason` tells the app (EXPIRED: fetch a new one). */
export type UserTokenRefusal = "MISSING" | "MALFORMED" | "EXPIRED" | "UNKNOWN_KEY" | "INVALID_CLAIMS";

export type UserTokenCheck =
  | { ok: true; customerId: string }
  | { ok: false; reason: UserTokenRefusal; message: string };

/**
 * Verifies an app user's JWT against an account's public keys: ES256 or RS256, signed by one of
 * them, with an `exp` not past and a `sub` that is a customer id. Without a `kid` to pick one,
 * each key of the token's algorithm is tried (an account holds at most a few).
 */
export async function verifyUserToken(token: string, keys: readonly SdkPublicKey[]): Promise<UserTokenCheck> {
  if (token.length > MAX_USER_TOKEN_CHARS)
    return refused("MALFORMED", `longer than ${MAX_USER_TOKEN_CHARS} characters`);
  const algorithm = algorithmOf(token);
  if (!algorithm) return refused("MALFORMED", `not a JWT signed with ${SDK_TOKEN_ALGORITHMS.join(" or ")}`);
  for (const { key } of keys.filter((candidate) => candidate.algorithm === algorithm)) {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [algorithm],
        requiredClaims: ["exp", "sub"],
        clockTolerance: USER_TOKEN_CLOCK_TOLERANCE_S,
      });
      const customerId = customerIdSchema.safeParse(payload.sub);
      if (customerId.success) return { ok: true, customerId: customerId.data };
      return refused("INVALID_CLAIMS", `sub: ${customerId.error.issues[0]?.message ?? "not a customer id"}`);
    } catch (error) {
      if (error instanceof errors.JWSSignatureVerificationFailed) continue;
      return refusalOf(error);
    }
  }
  return refused("UNKNOWN_KEY", "not signed by any of the account's SDK public keys");
}

function algorithmOf(token: string): SdkTokenAlgorithm | undefined {
  try {
    const { alg } = decodeProtectedHeader(token);
    return SDK_TOKEN_ALGORITHMS.find((algorithm) => algorithm === alg);
  } catch {
    // An unreadable header is what MALFORMED reports.
    return undefined;
  }
}

function refusalOf(error: unknown): UserTokenCheck {
  if (error instanceof errors.JWTExpired) return refused("EXPIRED", "expired");
  if (error instanceof errors.JWTClaimValidationFailed) return refused("INVALID_CLAIMS", error.message);
  if (error instanceof errors.JOSEError) return refused("MALFORMED", error.message);
  throw error;
}

function refused(reason: UserTokenRefusal, message: string): UserTokenCheck {
  return { ok: false, reason, message };
}
