import { createPrivateKey, type KeyObject } from "node:crypto";

/** The longest PEM accepted: an RSA 4096 key is about 3.3 kB. */
export const MOST_PEM_LENGTH = 8_192;

function loaded(pem: string): KeyObject | undefined {
  try {
    return createPrivateKey(pem);
  } catch {
    // A text node:crypto cannot read is not a key: the caller names the field.
    return undefined;
  }
}

/** A Google service account's key, which signs its RS256 token requests. */
export function isRsaPrivateKey(pem: string): boolean {
  return loaded(pem)?.asymmetricKeyType === "rsa";
}

/** An APNs provider key (`.p8`), which signs ES256 provider tokens. */
export function isP256PrivateKey(pem: string): boolean {
  const key = loaded(pem);
  return key?.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1";
}
