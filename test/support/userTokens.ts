import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import type { SdkTokenAlgorithm } from "../../schema/index.ts";

/** A key pair an app's backend signs its users' tokens with; `publicKey` is what Masivo is given. */
export type TokenSigner = {
  algorithm: SdkTokenAlgorithm;
  publicKey: string;
  /** A token for `sub`, valid for 5 minutes unless `exp` (seconds since the epoch) says otherwise; `null` leaves a claim out. */
  sign: (claims: { sub?: string | null; exp?: number | null }) => Promise<string>;
};

export async function createTokenSigner(algorithm: SdkTokenAlgorithm): Promise<TokenSigner> {
  const { publicKey, privateKey } = await generateKeyPair(algorithm, { extractable: true });
  return {
    algorithm,
    publicKey: await exportSPKI(publicKey),
    sign: async ({ sub, exp }) => {
      const jwt = new SignJWT({}).setProtectedHeader({ alg: algorithm, typ: "JWT" }).setIssuedAt();
      if (sub !== null) jwt.setSubject(sub ?? "customer-1");
      if (exp !== null) jwt.setExpirationTime(exp ?? Math.floor(Date.now() / 1000) + 300);
      return jwt.sign(privateKey);
    },
  };
}
