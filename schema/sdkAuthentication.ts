import { z } from "zod";
import type { SdkAuthenticationSettings } from "../store/index.ts";
import { builder } from "./builder.ts";
import { callerAccount } from "./context.ts";
import { badInput, type InputIssue, parseArgument } from "./errors.ts";
import { importSdkPublicKey } from "./sdkPublicKey.ts";

/** Public keys an account may hold at once: the one in use, the next, and room to rotate. */
export const MAX_SDK_PUBLIC_KEYS = 10;
/** A 4096-bit RSA key is about 800 characters in PEM; the bound leaves room for 8192 bits. */
export const MAX_SDK_PUBLIC_KEY_CHARS = 4096;

const SdkAuthenticationRef = builder.objectRef<SdkAuthenticationSettings>("SdkAuthentication").implement({
  description: "How the account's SDK keys authenticate app users (X-Masivo-User); public keys are not secret",
  fields: (t) => ({
    required: t.exposeBoolean("required", {
      description: "Whether every SDK-key request must carry a user token signed by one of the keys",
    }),
    publicKeys: t.exposeStringList("publicKeys", { description: "PEM public keys (ES256 P-256 or RS256)" }),
    updatedAt: t.field({ type: "DateTime", nullable: true, resolve: (settings) => settings.updatedAt }),
  }),
});

const SdkAuthenticationInputRef = builder.inputType("SdkAuthenticationInput", {
  fields: (t) => ({
    required: t.boolean({ required: true }),
    publicKeys: t.stringList({
      required: true,
      description: `0 to ${MAX_SDK_PUBLIC_KEYS} PEM public keys (-----BEGIN PUBLIC KEY-----): EC P-256 for ES256, RSA of at least 2048 bits for RS256`,
    }),
  }),
});

const inputSchema = z
  .object({
    required: z.boolean(),
    publicKeys: z
      .array(
        z
          .string()
          .trim()
          .min(1, "must not be empty")
          .max(MAX_SDK_PUBLIC_KEY_CHARS, `must be at most ${MAX_SDK_PUBLIC_KEY_CHARS} characters`),
      )
      .max(MAX_SDK_PUBLIC_KEYS, `must hold at most ${MAX_SDK_PUBLIC_KEYS} keys`),
  })
  .refine((input) => !input.required || input.publicKeys.length > 0, {
    path: ["publicKeys"],
    message: "must hold at least one key when required is true, or no SDK request could get in",
  });

/** The keys jose cannot read as an ES256 or RS256 public key, each named by its index. */
async function unreadableKeys(publicKeys: readonly string[]): Promise<InputIssue[]> {
  const keys = await Promise.all(publicKeys.map(importSdkPublicKey));
  return publicKeys.flatMap((pem, index) =>
    keys[index]
      ? []
      : [
          {
            field: `input.publicKeys[${index}]`,
            message: pem.includes("PRIVATE KEY")
              ? "is a private key: send only its public key, and treat this private key as exposed"
              : "must be a PEM public key (-----BEGIN PUBLIC KEY-----): EC P-256 for ES256, or RSA of at least 2048 bits for RS256",
          },
        ],
  );
}

builder.queryField("sdkAuthentication", (t) =>
  t.field({
    type: SdkAuthenticationRef,
    description: "ADMIN: the account's SDK authentication (off, with no keys, until configured)",
    authScopes: { admin: true },
    resolve: (_root, _args, context) => context.services.sdkAuthentication.get(callerAccount(context)),
  }),
);

builder.mutationField("configureSdkAuthentication", (t) =>
  t.field({
    type: SdkAuthenticationRef,
    description: "ADMIN: replaces the account's SDK authentication; every gateway applies it within a second",
    authScopes: { admin: true },
    args: { input: t.arg({ type: SdkAuthenticationInputRef, required: true }) },
    resolve: async (_root, args, context) => {
      const account = callerAccount(context);
      const input = parseArgument(inputSchema, args.input, "input");
      const issues = await unreadableKeys(input.publicKeys);
      if (issues.length > 0) throw badInput(issues);
      return context.services.sdkAuthentication.configure(account, input);
    },
  }),
);
