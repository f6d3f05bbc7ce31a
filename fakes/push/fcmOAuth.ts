import { randomBytes } from "node:crypto";
import { errors, exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify } from "jose";
import type { Reply } from "./http1.ts";

export const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
export const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
/** Either scope lets a token send: FCM's own or the catch-all. */
export const SEND_SCOPES = [
  "https://www.googleapis.com/auth/firebase.messaging",
  "https://www.googleapis.com/auth/cloud-platform",
];

/** A service account the fake trusts: who signs and the public half of its key. */
export type ServiceAccountKey = {
  clientEmail: string;
  /** SPKI PEM of the account's RSA key. */
  publicKey: string;
  /** The account's key id, checked against the assertion's `kid` when both are present. */
  privateKeyId?: string;
};

/** The trusted account, with the private key when the fake made the pair itself. */
export type TrustedAccount = {
  clientEmail: string;
  privateKeyId: string | undefined;
  publicKey: CryptoKey;
  privateKeyPem: string | undefined;
};

export async function trustAccount(given: ServiceAccountKey | undefined, projectId: string): Promise<TrustedAccount> {
  if (given !== undefined) {
    return {
      clientEmail: given.clientEmail,
      privateKeyId: given.privateKeyId,
      publicKey: await importSPKI(given.publicKey, "RS256"),
      privateKeyPem: undefined,
    };
  }
  const pair = await generateKeyPair("RS256", { extractable: true });
  return {
    clientEmail: `firebase-adminsdk-fake@${projectId}.iam.gserviceaccount.com`,
    privateKeyId: randomBytes(20).toString("hex"),
    publicKey: await importSPKI(await exportSPKI(pair.publicKey), "RS256"),
    privateKeyPem: await exportPKCS8(pair.privateKey),
  };
}

/** The service-account JSON a client loads; `private_key` only when the fake generated the key. */
export function serviceAccountJson(account: TrustedAccount, projectId: string, tokenUri: string) {
  return {
    type: "service_account",
    project_id: projectId,
    private_key_id: account.privateKeyId,
    private_key: account.privateKeyPem,
    client_email: account.clientEmail,
    token_uri: tokenUri,
  };
}

type AccessToken = { expiresAt: number; scopes: string[] };

/** Access tokens handed out by the token endpoint. */
export type TokenIssuer = {
  /** Answers `POST /token`. */
  exchange(rawBody: string, contentType: string | undefined): Promise<Reply>;
  /** The token's scopes if it is one we issued and it has not expired. */
  scopesOf(accessToken: string): string[] | undefined;
  /** Exchanges answered with a token since start (or reset). */
  readonly issued: number;
  reset(): void;
};

export type IssuerOptions = {
  account: TrustedAccount;
  /** Audiences accepted in the assertion: the fake's token URI and Google's. */
  audiences: () => string[];
  lifetimeSeconds: number;
  now: () => number;
};

const SHORT_LIVED =
  "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";

/** Google's OAuth token endpoint for the JWT-bearer grant (RFC 7523), as a service account uses it. */
export function createTokenIssuer(options: IssuerOptions): TokenIssuer {
  const tokens = new Map<string, AccessToken>();
  let issued = 0;
  return {
    async exchange(rawBody, contentType) {
      const form = readForm(rawBody, contentType);
      const grantType = form.get("grant_type");
      if (grantType !== JWT_BEARER)
        return oauthError("unsupported_grant_type", `Invalid grant_type: ${grantType ?? ""}`);
      const assertion = form.get("assertion");
      if (assertion === null || assertion === "")
        return oauthError("invalid_request", "Missing required parameter: assertion");
      const verdict = await verifyAssertion(assertion, options);
      if (!verdict.ok) return verdict.reply;
      const accessToken = `ya29.fake-${randomBytes(32).toString("base64url")}`;
      tokens.set(accessToken, { expiresAt: options.now() + options.lifetimeSeconds * 1000, scopes: verdict.scopes });
      issued += 1;
      return {
        status: 200,
        body: { access_token: accessToken, expires_in: options.lifetimeSeconds, token_type: "Bearer" },
      };
    },
    scopesOf(accessToken) {
      const token = tokens.get(accessToken);
      return token === undefined || token.expiresAt <= options.now() ? undefined : token.scopes;
    },
    get issued() {
      return issued;
    },
    reset() {
      tokens.clear();
      issued = 0;
    },
  };
}

async function verifyAssertion(
  assertion: string,
  options: IssuerOptions,
): Promise<{ ok: true; scopes: string[] } | { ok: false; reply: Reply }> {
  const { account } = options;
  try {
    const { payload } = await jwtVerify(
      assertion,
      async (header) => {
        // Google looks the key up by kid: a kid naming another key fails like a bad signature.
        if (header.kid !== undefined && account.privateKeyId !== undefined && header.kid !== account.privateKeyId) {
          throw new errors.JWSSignatureVerificationFailed();
        }
        return account.publicKey;
      },
      { algorithms: ["RS256"], currentDate: new Date(options.now()), requiredClaims: ["iss", "aud", "iat", "exp"] },
    );
    if (payload.iss !== account.clientEmail) {
      return { ok: false, reply: oauthError("invalid_grant", "Invalid grant: account not found") };
    }
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.some((aud) => aud !== undefined && options.audiences().includes(aud))) {
      // inferred
      return { ok: false, reply: oauthError("invalid_grant", "Invalid JWT: Failed audience check.") };
    }
    if ((payload.exp ?? 0) - (payload.iat ?? 0) > 3600)
      return { ok: false, reply: oauthError("invalid_grant", SHORT_LIVED) };
    const scopes = typeof payload.scope === "string" ? payload.scope.split(" ").filter((s) => s !== "") : [];
    if (scopes.length === 0) {
      return { ok: false, reply: oauthError("invalid_scope", "Invalid OAuth scope or ID token audience provided.") };
    }
    return { ok: true, scopes };
  } catch (error) {
    if (error instanceof errors.JWTExpired || error instanceof errors.JWTClaimValidationFailed) {
      return { ok: false, reply: oauthError("invalid_grant", SHORT_LIVED) };
    }
    return { ok: false, reply: oauthError("invalid_grant", "Invalid JWT Signature.") };
  }
}

function readForm(rawBody: string, contentType: string | undefined): URLSearchParams {
  if (contentType?.includes("application/json")) {
    try {
      const parsed: unknown = JSON.parse(rawBody);
      if (typeof parsed === "object" && parsed !== null) {
        return new URLSearchParams(
          Object.entries(parsed).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : [])),
        );
      }
    } catch {
      return new URLSearchParams();
    }
  }
  return new URLSearchParams(rawBody);
}

function oauthError(error: string, description: string): Reply {
  return { status: 400, body: { error, error_description: description } };
}
