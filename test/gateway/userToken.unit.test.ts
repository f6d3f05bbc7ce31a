import { generateKeyPairSync, type KeyPairKeyObjectResult } from "node:crypto";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyUserToken } from "../../gateway/userToken.ts";
import { importSdkPublicKey, type SdkPublicKey } from "../../schema/index.ts";
import { createTokenSigner, type TokenSigner } from "../support/userTokens.ts";

let es256: TokenSigner;
let rs256: TokenSigner;
let stranger: TokenSigner;
let keys: SdkPublicKey[];
beforeAll(async () => {
  [es256, rs256, stranger] = await Promise.all([
    createTokenSigner("ES256"),
    createTokenSigner("RS256"),
    createTokenSigner("ES256"),
  ]);
  keys = await Promise.all(
    [es256.publicKey, rs256.publicKey].map(async (pem) => (await importSdkPublicKey(pem)) as SdkPublicKey),
  );
});

const now = () => Math.floor(Date.now() / 1000);

describe("an app user's token", () => {
  it.each(["ES256", "RS256"] as const)(
    "names its customer when signed with one of the account's %s keys",
    async (algorithm) => {
      const signer = algorithm === "ES256" ? es256 : rs256;
      expect(await verifyUserToken(await signer.sign({ sub: "customer-7" }), keys)).toEqual({
        ok: true,
        customerId: "customer-7",
      });
    },
  );

  it("is accepted a few seconds after its exp, for clocks that disagree, and refused well after", async () => {
    expect(await verifyUserToken(await es256.sign({ exp: now() - 10 }), keys)).toMatchObject({ ok: true });
    expect(await verifyUserToken(await es256.sign({ exp: now() - 120 }), keys)).toMatchObject({
      ok: false,
      reason: "EXPIRED",
    });
  });

  it.each([
    ["signed by a key the account does not have", () => stranger.sign({}), "UNKNOWN_KEY"],
    ["without exp", () => es256.sign({ exp: null }), "INVALID_CLAIMS"],
    ["without sub", () => es256.sign({ sub: null }), "INVALID_CLAIMS"],
    ["whose sub is longer than a customer id", () => es256.sign({ sub: "c".repeat(257) }), "INVALID_CLAIMS"],
    ["that is not a JWT", async () => "not.a.jwt", "MALFORMED"],
    ["of 9,000 characters", async () => "a".repeat(9_000), "MALFORMED"],
    ["unsigned (alg none)", async () => `${b64({ alg: "none" })}.${b64({ sub: "c", exp: now() + 60 })}.`, "MALFORMED"],
    [
      "signed with a shared secret (HS256)",
      () => new SignJWT({ sub: "c", exp: now() + 60 }).setProtectedHeader({ alg: "HS256" }).sign(new Uint8Array(32)),
      "MALFORMED",
    ],
    [
      "signed with ES256's key but labelled RS256",
      async () => {
        const [, payload, signature] = (await es256.sign({})).split(".");
        return `${b64({ alg: "RS256" })}.${payload}.${signature}`;
      },
      "UNKNOWN_KEY",
    ],
  ])("is refused when %s", async (_name, token, reason) => {
    expect(await verifyUserToken(await token(), keys)).toMatchObject({ ok: false, reason });
  });

  it("is refused when its payload was changed after signing", async () => {
    const [header, , signature] = (await es256.sign({ sub: "customer-7" })).split(".");
    const forged = `${header}.${b64({ sub: "customer-8", exp: now() + 60 })}.${signature}`;
    expect(await verifyUserToken(forged, keys)).toMatchObject({ ok: false, reason: "UNKNOWN_KEY" });
  });
});

describe("an SDK public key", () => {
  const spki = (pair: KeyPairKeyObjectResult) => pair.publicKey.export({ type: "spki", format: "pem" }).toString();

  it.each([
    ["an EC P-256 key", () => spki(generateKeyPairSync("ec", { namedCurve: "P-256" })), "ES256"],
    ["an RSA 2048 key", () => spki(generateKeyPairSync("rsa", { modulusLength: 2048 })), "RS256"],
    ["an RSA 4096 key", () => spki(generateKeyPairSync("rsa", { modulusLength: 4096 })), "RS256"],
  ])("is read from %s", async (_name, key, algorithm) => {
    expect(await importSdkPublicKey(key())).toMatchObject({ algorithm });
  });

  it.each([
    ["an EC P-384 key", () => spki(generateKeyPairSync("ec", { namedCurve: "P-384" }))],
    ["an RSA 1024 key", () => spki(generateKeyPairSync("rsa", { modulusLength: 1024 }))],
    ["an Ed25519 key", () => spki(generateKeyPairSync("ed25519"))],
    [
      "a private key",
      () =>
        generateKeyPairSync("ec", { namedCurve: "P-256" })
          .privateKey.export({ type: "pkcs8", format: "pem" })
          .toString(),
    ],
    ["not PEM", () => "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----"],
  ])("is refused when it is %s", async (_name, key) => {
    expect(await importSdkPublicKey(key())).toBeUndefined();
  });
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
