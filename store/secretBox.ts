import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/** A secret as stored: AES-256-GCM under the master key, each part base64. */
export type SealedSecret = { iv: string; tag: string; data: string };

/** Seals and opens integration secrets with a key derived from `MASIVO_MASTER_KEY`. */
export type SecretBox = {
  seal: (plaintext: string) => SealedSecret;
  /** Throws when the secret was sealed under another master key, or was altered. */
  open: (sealed: SealedSecret) => string;
};

export function createSecretBox(masterKey: string): SecretBox {
  const key = createHash("sha256").update(masterKey).digest();
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return { iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), data: data.toString("base64") };
    },
    open(sealed) {
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"));
      decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
      try {
        return Buffer.concat([decipher.update(Buffer.from(sealed.data, "base64")), decipher.final()]).toString("utf8");
      } catch (error) {
        throw new Error("an integration secret could not be opened: was MASIVO_MASTER_KEY changed?", { cause: error });
      }
    },
  };
}
