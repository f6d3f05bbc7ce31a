import { exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify } from "jose";
import type { ApnsSigningKey } from "./apnsOptions.ts";
import type { ApnsReason } from "./apnsReasons.ts";

/** The trusted provider key, with the private .p8 PEM when the fake made the pair itself. */
export type TrustedKey = { teamId: string; keyId: string; publicKey: CryptoKey; privateKeyPem: string | undefined };

export async function trustKey(given: ApnsSigningKey | undefined): Promise<TrustedKey> {
  if (given !== undefined) {
    return { ...given, publicKey: await importSPKI(given.publicKey, "ES256"), privateKeyPem: undefined };
  }
  const pair = await generateKeyPair("ES256", { extractable: true });
  return {
    teamId: "FAKETEAM01",
    keyId: "FAKEKEY001",
    publicKey: await importSPKI(await exportSPKI(pair.publicKey), "ES256"),
    privateKeyPem: await exportPKCS8(pair.privateKey),
  };
}

/** Why a provider token is refused, or its `iat` (epoch seconds). */
type Verdict = { ok: true; iat: number } | { ok: false; reason: ApnsReason };

/**
 * Checks `authorization: bearer <JWT>`: ES256, `kid` = the key id, `iss` = the team id, signed by the
 * key, and `iat` no older than the allowed age. Good signatures are remembered, as clients reuse one
 * token for up to an hour and a benchmark must not pay for a verification per notification.
 */
export function createProviderTokenCheck(key: TrustedKey, maxAgeSeconds: number, now: () => number) {
  const verified = new Map<string, Verdict>();
  return async (authorization: string | undefined): Promise<Verdict> => {
    if (authorization === undefined || authorization === "") return { ok: false, reason: "MissingProviderToken" };
    const jwt = /^bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (jwt === undefined) return { ok: false, reason: "InvalidProviderToken" };
    let verdict = verified.get(jwt);
    if (verdict === undefined) {
      verdict = await verify(jwt, key);
      // Bounded: a client minting a token per call must not grow memory without end.
      if (verified.size >= 10_000) verified.clear();
      verified.set(jwt, verdict);
    }
    if (verdict.ok && now() / 1000 - verdict.iat > maxAgeSeconds) return { ok: false, reason: "ExpiredProviderToken" };
    return verdict;
  };
}

async function verify(jwt: string, key: TrustedKey): Promise<Verdict> {
  try {
    const { payload, protectedHeader } = await jwtVerify(jwt, key.publicKey, { algorithms: ["ES256"] });
    if (protectedHeader.kid !== key.keyId || payload.iss !== key.teamId || typeof payload.iat !== "number") {
      return { ok: false, reason: "InvalidProviderToken" };
    }
    return { ok: true, iat: payload.iat };
  } catch {
    return { ok: false, reason: "InvalidProviderToken" };
  }
}
