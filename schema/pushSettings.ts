import { z } from "zod";
import { apnsSettingsSchema, type PushSecrets, type PushSettings } from "../model/index.ts";
import { builder } from "./builder.ts";
import { configureChannel } from "./configureChannel.ts";
import { parseArgument } from "./errors.ts";
import { IntegrationRef } from "./integration.ts";
import { LOCAL_ONLY_WITH_FLAG, localEndpointSchema } from "./localEndpoint.ts";
import { isP256PrivateKey, isRsaPrivateKey, MOST_PEM_LENGTH } from "./privateKeys.ts";
import { maxPerSecondSchema } from "./providerRate.ts";

/**
 * A conservative share of FCM's project quota (600,000 messages a minute, 10,000 a second); APNs
 * publishes no figure.
 */
const USUAL_PUSH_RATE = 1_000;
const MOST_PUSH_RATE = 10_000;

const ApnsInputRef = builder.inputType("ApnsInput", {
  description: "An APNs provider key (.p8); the key is stored encrypted and never returned",
  fields: (t) => ({
    teamId: t.string({ required: true, description: "The 10-character Apple team id" }),
    keyId: t.string({ required: true, description: "The 10-character key id" }),
    privateKey: t.string({ required: true, description: "The .p8 file's PEM: an EC P-256 private key" }),
    bundleId: t.string({ required: true, description: "The app's bundle id, sent as apns-topic" }),
    production: t.boolean({ description: "Default true: api.push.apple.com; false: api.sandbox.push.apple.com" }),
  }),
});

const PushSettingsInputRef = builder.inputType("PushSettingsInput", {
  description:
    "The account's push providers: FCM, APNs or both (iOS devices go through APNs when it is configured); keys are stored encrypted and never returned",
  fields: (t) => ({
    fcmServiceAccount: t.field({
      type: "JSON",
      description:
        "The Google service-account JSON (an object, or its text): project_id, client_email, private_key, token_uri",
    }),
    apns: t.field({ type: ApnsInputRef }),
    maxPerSecond: t.int({ description: `Default ${USUAL_PUSH_RATE}, at most ${MOST_PUSH_RATE} (FCM's project quota)` }),
    endpoint: t.string({
      description: "Tests and fakes only: http://127.0.0.1:<port> instead of the providers' hosts",
    }),
    instanceIdEndpoint: t.string({
      description:
        "Tests and fakes only: http://127.0.0.1:<port> instead of iid.googleapis.com, where FCM topic subscriptions are managed; default endpoint",
    }),
  }),
});

/** Where Google service accounts get their tokens; older ones name accounts.google.com. */
const GOOGLE_TOKEN_URI = /^https:\/\/(oauth2\.googleapis\.com\/token|accounts\.google\.com\/o\/oauth2\/token)$/;
/** The fake FCM's token endpoint, on loopback. */
const LOCAL_TOKEN_URI = /^http:\/\/127\.0\.0\.1:\d{1,5}(\/[\w./-]*)?$/;

const tokenUriSchema = (allowLocal: boolean) =>
  z.string().superRefine((uri, ctx) => {
    if (LOCAL_TOKEN_URI.test(uri)) {
      if (!allowLocal) ctx.addIssue({ code: "custom", message: LOCAL_ONLY_WITH_FLAG });
    } else if (!GOOGLE_TOKEN_URI.test(uri)) {
      ctx.addIssue({ code: "custom", message: "must be https://oauth2.googleapis.com/token, as Google issues it" });
    }
  });

/** The service account's text as downloaded, or the object it holds; what is not JSON stays text, and is refused. */
function parsedJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const serviceAccountSchema = (allowLocal: boolean) =>
  z.preprocess(
    parsedJson,
    z
      .object(
        {
          project_id: z.string().min(1, "must not be empty").max(100),
          client_email: z.email("must be the service account's email"),
          private_key: z
            .string()
            .max(MOST_PEM_LENGTH)
            .refine(isRsaPrivateKey, "must be the service account's RSA private key (PEM)"),
          token_uri: tokenUriSchema(allowLocal),
        },
        { error: "must be the service account's JSON object" },
      )
      .transform((account) => ({
        settings: { projectId: account.project_id, clientEmail: account.client_email, tokenUri: account.token_uri },
        privateKey: account.private_key,
      })),
  );

const apnsInputSchema = z
  .object({
    teamId: apnsSettingsSchema.shape.teamId,
    keyId: apnsSettingsSchema.shape.keyId,
    privateKey: z
      .string()
      .max(MOST_PEM_LENGTH)
      .refine(isP256PrivateKey, "must be an EC P-256 private key (PEM), as in the .p8 file"),
    bundleId: apnsSettingsSchema.shape.bundleId,
    production: z
      .boolean()
      .nullish()
      .transform((value) => value ?? true),
  })
  .transform(({ privateKey, ...settings }) => ({ settings, privateKey }));

const pushSettingsInputSchema = (allowLocal: boolean) =>
  z
    .object({
      fcmServiceAccount: serviceAccountSchema(allowLocal).nullish(),
      apns: apnsInputSchema.nullish(),
      maxPerSecond: maxPerSecondSchema(USUAL_PUSH_RATE, MOST_PUSH_RATE),
      endpoint: localEndpointSchema(allowLocal),
      instanceIdEndpoint: localEndpointSchema(allowLocal),
    })
    .refine((input) => input.fcmServiceAccount || input.apns, {
      message: "give fcmServiceAccount, apns or both",
      path: ["fcmServiceAccount"],
    })
    .transform(({ fcmServiceAccount, apns, maxPerSecond, endpoint, instanceIdEndpoint }) => ({
      settings: {
        ...(fcmServiceAccount ? { fcm: fcmServiceAccount.settings } : {}),
        ...(apns ? { apns: apns.settings } : {}),
        maxPerSecond,
        ...(endpoint ? { endpoint } : {}),
        ...(instanceIdEndpoint ? { instanceIdEndpoint } : {}),
      } satisfies PushSettings,
      secrets: { fcmPrivateKey: fcmServiceAccount?.privateKey, apnsPrivateKey: apns?.privateKey } satisfies PushSecrets,
    }));

builder.mutationField("configurePush", (t) =>
  t.field({
    type: IntegrationRef,
    description: "ADMIN: configures the account's push providers (kind push); again = replace (a FAILING one retries)",
    authScopes: { admin: true },
    args: { input: t.arg({ type: PushSettingsInputRef, required: true }) },
    resolve: (_root, args, context) => {
      const allowLocal = context.services.allowLocalDestinations;
      const input = parseArgument(pushSettingsInputSchema(allowLocal), args.input, "input");
      return configureChannel(context, { kind: "push", ...input });
    },
  }),
);
