import { z } from "zod";
import { type EmailSettings, emailSettingsSchema } from "../model/index.ts";
import { builder } from "./builder.ts";
import { configureChannel } from "./configureChannel.ts";
import { parseArgument } from "./errors.ts";
import { IntegrationRef } from "./integration.ts";
import { LOCAL_ONLY_WITH_FLAG } from "./localEndpoint.ts";
import { maxPerSecondSchema } from "./providerRate.ts";

/** Amazon SES's starting send rate once an account leaves the sandbox: 14 messages a second. */
const USUAL_EMAIL_RATE = 14;
const MOST_EMAIL_RATE = 1_000;
const SMTPS_PORT = 465;

const EmailSettingsInputRef = builder.inputType("EmailSettingsInput", {
  description: "The account's SMTP server; the password is stored encrypted and never returned",
  fields: (t) => ({
    host: t.string({
      required: true,
      description: "The SMTP server's host name, e.g. email-smtp.eu-west-1.amazonaws.com",
    }),
    port: t.int({ required: true, description: "587 (STARTTLS) or 465 (TLS from the start)" }),
    secure: t.boolean({ description: "TLS from the start; default true on port 465, else STARTTLS" }),
    username: t.string({ description: "Given with password, or neither" }),
    password: t.string(),
    fromAddress: t.string({ required: true }),
    fromName: t.string(),
    replyTo: t.string(),
    maxPerSecond: t.int({
      description: `Default ${USUAL_EMAIL_RATE} (Amazon SES's starting rate), at most ${MOST_EMAIL_RATE}`,
    }),
  }),
});

/** A DNS host name of at least two labels; an IP address other than the local one is refused. */
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const LOCAL_HOST = "127.0.0.1";

const optionalText = (most: number) =>
  z
    .string()
    .max(most, `must be at most ${most} characters`)
    .nullish()
    .transform((value) => value || undefined);

const emailSettingsInputSchema = (allowLocal: boolean) =>
  z
    .object({
      host: z
        .string()
        .trim()
        .toLowerCase()
        .superRefine((host, ctx) => {
          if (host === LOCAL_HOST) {
            if (!allowLocal) ctx.addIssue({ code: "custom", message: LOCAL_ONLY_WITH_FLAG });
          } else if (!HOST_NAME.test(host)) {
            ctx.addIssue({ code: "custom", message: "must be the SMTP server's host name, e.g. smtp.example.com" });
          }
        }),
      port: emailSettingsSchema.shape.port,
      secure: z.boolean().nullish(),
      username: optionalText(512),
      password: optionalText(1_024),
      fromAddress: emailSettingsSchema.shape.fromAddress,
      fromName: emailSettingsSchema.shape.fromName.nullish().transform((value) => value ?? undefined),
      replyTo: emailSettingsSchema.shape.replyTo.nullish().transform((value) => value ?? undefined),
      maxPerSecond: maxPerSecondSchema(USUAL_EMAIL_RATE, MOST_EMAIL_RATE),
    })
    .refine((input) => (input.username === undefined) === (input.password === undefined), {
      message: "username and password are given together, or neither",
      path: ["password"],
    })
    .transform(({ password, secure, ...rest }) => ({
      settings: { ...rest, secure: secure ?? rest.port === SMTPS_PORT } satisfies EmailSettings,
      secrets: { password },
    }));

builder.mutationField("configureEmail", (t) =>
  t.field({
    type: IntegrationRef,
    description: "ADMIN: configures the account's SMTP server (kind email); again = replace (a FAILING one retries)",
    authScopes: { admin: true },
    args: { input: t.arg({ type: EmailSettingsInputRef, required: true }) },
    resolve: (_root, args, context) => {
      const allowLocal = context.services.allowLocalDestinations;
      const input = parseArgument(emailSettingsInputSchema(allowLocal), args.input, "input");
      return configureChannel(context, { kind: "email", ...input });
    },
  }),
);
