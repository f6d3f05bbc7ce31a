import { KeyObject } from "node:crypto";
import { importSPKI } from "jose";

/** The algorithms app user tokens (`X-Masivo-User`) may be signed with. */
export const SDK_TOKEN_ALGORITHMS = ["ES256", "RS256"] as const;
export type SdkTokenAlgorithm = (typeof SDK_TOKEN_ALGORITHMS)[number];

/** A public key of an account's SDK authentication, ready to verify tokens. */
export type SdkPublicKey = { algorithm: SdkTokenAlgorithm; key: CryptoKey };

/** Shorter RSA keys are refused, as jose refuses them when verifying. */
const MIN_RSA_BITS = 2048;

/**
 * Reads a PEM public key (`-----BEGIN PUBLIC KEY-----`, SPKI): an EC P-256 key verifies ES256,
 * an RSA key of at least 2048 bits RS256. Undefined for anything else.
 */
export async function importSdkPublicKey(pem: string): Promise<SdkPublicKey | undefined> {
  for (const algorithm of SDK_TOKEN_ALGORITHMS) {
    // A key of the other algorithm's type is refused by jose: that refusal is the answer, not a fault.
    const key = await importSPKI(pem, algorithm).catch(() => undefined);
    if (key && (algorithm !== "RS256" || rsaBits(key) >= MIN_RSA_BITS)) return { algorithm, key };
  }
  return undefined;
}

function rsaBits(key: CryptoKey): number {
  return KeyObject.from(key).asymmetricKeyDetails?.modulusLength ?? 0;
}
