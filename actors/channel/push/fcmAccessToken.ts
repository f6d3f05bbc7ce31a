import { importPKCS8, SignJWT } from "jose";
import { z } from "zod";
import type { ProviderAnswer } from "../providerAnswer.ts";
import { callProvider, isNoAnswer } from "../providerHttp.ts";

/** An OAuth access token for `messages:send`, or why none could be had (in the pipeline's terms). */
export type AccessTokenOutcome = { token: string } | { refused: ProviderAnswer };

export type FcmAccessTokens = {
  /** A cached token while it has more than a minute left, else a fresh one from `token_uri`. */
  get(): Promise<AccessTokenOutcome>;
  /** Forgets the cached token (FCM answered 401 to it). */
  invalidate(): void;
};

export type FcmAccount = { clientEmail: string; tokenUri: string; privateKey: string };

const SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** Refreshed this long before Google's `expires_in` runs out, so no send carries a token about to lapse. */
const REFRESH_MARGIN_MS = 60_000;

const tokenAnswerSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });
const tokenErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });

/**
 * The service account's OAuth2 JWT-bearer grant (RFC 7523) as Google's client libraries do it: an
 * RS256 assertion for the `firebase.messaging` scope, exchanged at `token_uri`. Concurrent callers
 * share one exchange.
 */
export function createFcmAccessTokens(
  account: FcmAccount,
  options: { timeoutMs: number; now: () => number },
): FcmAccessTokens {
  let cached: { token: string; refreshAtMs: number } | undefined;
  let pending: Promise<AccessTokenOutcome> | undefined;

  const exchange = async (): Promise<AccessTokenOutcome> => {
    const assertion = await signAssertion(account, options.now());
    if ("refused" in assertion) return assertion;
    const requestedAt = options.now();
    const outcome = await callProvider(account.tokenUri, {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: assertion.jwt }).toString(),
      timeoutMs: options.timeoutMs,
    });
    // Nothing was sent to the device yet, so a lost token answer is a plain retry.
    if (isNoAnswer(outcome)) return { refused: { kind: "retry", reason: outcome.reason } };
    const granted = tokenAnswerSchema.safeParse(outcome.body);
    if (outcome.status === 200 && granted.success) {
      const refreshAtMs = requestedAt + granted.data.expires_in * 1000 - REFRESH_MARGIN_MS;
      cached = { token: granted.data.access_token, refreshAtMs };
      return { token: granted.data.access_token };
    }
    const refusal = tokenErrorSchema.safeParse(outcome.body);
    const reason = `token_uri answered ${outcome.status}: ${
      refusal.success
        ? `${refusal.data.error} ${refusal.data.error_description ?? ""}`.trim()
        : JSON.stringify(outcome.body)
    }`;
    const kind = outcome.status === 429 || outcome.status >= 500 ? "retry" : "misconfigured";
    return { refused: { kind, reason } };
  };

  return {
    get() {
      if (cached !== undefined && options.now() < cached.refreshAtMs) return Promise.resolve({ token: cached.token });
      pending ??= exchange().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

async function signAssertion(
  account: FcmAccount,
  nowMs: number,
): Promise<{ jwt: string } | { refused: ProviderAnswer }> {
  try {
    const key = await importPKCS8(account.privateKey, "RS256");
    const issuedAt = Math.floor(nowMs / 1000);
    const jwt = await new SignJWT({ scope: SCOPE })
      .setProtectedHeader({ alg: "RS256", typ: "JWT" })
      .setIssuer(account.clientEmail)
      .setAudience(account.tokenUri)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 3600)
      .sign(key);
    return { jwt };
  } catch (error) {
    return { refused: { kind: "misconfigured", reason: `the FCM private key cannot sign: ${String(error)}` } };
  }
}
