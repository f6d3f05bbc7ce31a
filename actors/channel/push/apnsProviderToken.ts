import { importPKCS8, SignJWT } from "jose";

export type ApnsProviderTokens = {
  /** The cached provider JWT while it is younger than 50 minutes, else a freshly signed one. */
  get(): Promise<string>;
  /** Drops the cached JWT (APNs answered ExpiredProviderToken). */
  renew(): void;
};

/** Apple refuses a JWT older than an hour and one re-signed more often than every 20 minutes. */
const REUSE_MS = 50 * 60_000;

/** ES256 provider tokens (`kid` = key id, `iss` = team id) from the `.p8` key; throws when the key is unusable. */
export function createApnsProviderTokens(
  key: { teamId: string; keyId: string; privateKey: string },
  now: () => number,
): ApnsProviderTokens {
  let cached: { jwt: string; signedAtMs: number } | undefined;
  return {
    async get() {
      if (cached !== undefined && now() - cached.signedAtMs < REUSE_MS) return cached.jwt;
      const signedAtMs = now();
      const jwt = await new SignJWT({})
        .setProtectedHeader({ alg: "ES256", kid: key.keyId })
        .setIssuer(key.teamId)
        .setIssuedAt(Math.floor(signedAtMs / 1000))
        .sign(await importPKCS8(key.privateKey, "ES256"));
      cached = { jwt, signedAtMs };
      return jwt;
    },
    renew() {
      cached = undefined;
    },
  };
}
