import { randomBytes } from "node:crypto";
import { GraphQLError } from "graphql";
import { z } from "zod";
import { FACT_KINDS } from "../model/index.ts";
import {
  readWebhookSecrets,
  rotatedWebhookSecrets,
  WEBHOOK_MOST_RATE,
  WEBHOOK_USUAL_RATE,
  type WebhookDocument,
  type WebhookSettings,
} from "../store/index.ts";
import { BACKFILL, backfillIfAsked } from "./backfill.ts";
import { builder } from "./builder.ts";
import { type Context, callerAccount } from "./context.ts";
import { badInput, parseArgument } from "./errors.ts";
import { FactKindRef } from "./factKind.ts";
import { IntegrationRef } from "./integration.ts";
import { outboundUrlProblem } from "./outboundUrl.ts";
import { maxPerSecondSchema } from "./providerRate.ts";

const MAX_PER_SECOND = `Deliveries a second to this endpoint at most: default ${WEBHOOK_USUAL_RATE}, at most ${WEBHOOK_MOST_RATE}`;

const WebhookInputRef = builder.inputType("WebhookInput", {
  description: "A webhook endpoint: where, and what it is sent",
  fields: (t) => ({
    url: t.string({ required: true, description: "https only, to a public address (see docs/webhooks.md)" }),
    kinds: t.field({ type: [FactKindRef], required: true, description: "At least one" }),
    audienceIds: t.idList({ description: "MEMBERSHIP facts only of these audiences; absent: of every audience" }),
    enabled: t.boolean({ description: "Default true" }),
    maxPerSecond: t.int({ description: MAX_PER_SECOND }),
    backfill: t.boolean({ description: BACKFILL }),
  }),
});

const WebhookChangesRef = builder.inputType("WebhookChanges", {
  description: "What changes in a webhook endpoint; what is absent stays as it is",
  fields: (t) => ({
    url: t.string(),
    kinds: t.field({ type: [FactKindRef] }),
    audienceIds: t.idList({ description: "An empty list: of every audience again" }),
    enabled: t.boolean(),
    maxPerSecond: t.int({ description: MAX_PER_SECOND }),
  }),
});

type NewWebhook = { webhook: WebhookDocument; secret: string };

const NewWebhookRef = builder.objectRef<NewWebhook>("NewWebhook").implement({
  description: "A webhook endpoint and its signing secret, shown this once (stored encrypted, never returned again)",
  fields: (t) => ({
    webhook: t.field({ type: IntegrationRef, resolve: ({ webhook }) => webhook }),
    secret: t.exposeString("secret", { description: "whsec_…: verifies deliveries (Standard Webhooks)" }),
  }),
});

const MAX_AUDIENCES = 100;

const settingsSchema = z.object({
  url: z.string().trim().max(2_000, "must be at most 2000 characters"),
  kinds: z
    .array(z.enum(FACT_KINDS))
    .min(1, "must name at least one kind")
    .transform((kinds) => [...new Set(kinds)]),
  audienceIds: z
    .array(z.string().min(1))
    .max(MAX_AUDIENCES, `must name at most ${MAX_AUDIENCES} audiences`)
    .nullish()
    .transform((ids) => (ids && ids.length > 0 ? [...new Set(ids)] : undefined)),
  enabled: z
    .boolean()
    .nullish()
    .transform((value) => value ?? true),
  maxPerSecond: maxPerSecondSchema(WEBHOOK_USUAL_RATE, WEBHOOK_MOST_RATE),
});

/** A new signing secret: 32 random bytes, as Standard Webhooks writes them. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** Settings as given, once their URL passed the outbound checks (BAD_USER_INPUT on `input.url` otherwise). */
async function checkedSettings(input: unknown, context: Context): Promise<WebhookSettings> {
  const { audienceIds, ...settings } = parseArgument(settingsSchema, input, "input");
  const problem = await outboundUrlProblem(settings.url, context.services.allowLocalDestinations);
  if (problem) throw badInput([{ field: "input.url", message: problem }]);
  return audienceIds ? { ...settings, audienceIds } : settings;
}

/** The caller's webhook `id`; another account's, or another kind, reads as one that does not exist. */
async function webhookOf(context: Context, id: string): Promise<WebhookDocument> {
  const webhook = await context.services.webhooks.get(callerAccount(context), id);
  if (!webhook) throw new GraphQLError(`no webhook ${id}`, { extensions: { code: "NOT_FOUND" } });
  return webhook;
}

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: NewWebhookRef,
    description:
      "ADMIN: a new webhook endpoint (an account may have many), sent each fact of `kinds` signed the Standard Webhooks way; its secret is shown in the answer only. BAD_USER_INPUT when the URL is not https or its host resolves to a loopback, private, link-local or metadata address",
    authScopes: { admin: true },
    args: { input: t.arg({ type: WebhookInputRef, required: true }) },
    resolve: async (_root, args, context) => {
      const settings = await checkedSettings(args.input, context);
      const secret = newSecret();
      const { webhooks, secrets } = context.services;
      const sealed = secrets.seal(JSON.stringify({ keys: [{ key: secret }] }));
      const webhook = await webhooks.create(callerAccount(context), settings, sealed);
      await backfillIfAsked(args.input.backfill, webhook._id, context);
      return { webhook, secret };
    },
  }),
  updateWebhook: t.field({
    type: IntegrationRef,
    description:
      "ADMIN: changes a webhook endpoint (its URL checked again); it starts again HEALTHY, a stopped one (FAILING, 410 Gone) included. NOT_FOUND for an id that is not one of the account's webhooks",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: WebhookChangesRef, required: true }) },
    resolve: async (_root, args, context) => {
      const current = await webhookOf(context, String(args.id));
      const given = Object.fromEntries(Object.entries(args.input).filter(([, value]) => value != null));
      const settings = await checkedSettings({ ...current.settings, ...given }, context);
      const updated = await context.services.webhooks.update(current.account, current._id, settings);
      if (!updated) throw new GraphQLError(`no webhook ${current._id}`, { extensions: { code: "NOT_FOUND" } });
      return updated;
    },
  }),
  deleteWebhook: t.field({
    type: "Boolean",
    description:
      "ADMIN: removes a webhook endpoint; nothing more is sent to it. NOT_FOUND for an id that is not one of the account's webhooks",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const webhook = await webhookOf(context, String(args.id));
      return context.services.webhooks.remove(webhook.account, webhook._id);
    },
  }),
  rotateWebhookSecret: t.field({
    type: NewWebhookRef,
    description:
      "ADMIN: a new signing secret, shown in the answer only; for 24 h deliveries are signed with both it and the one it replaces, so receivers switch without losing any. NOT_FOUND for an id that is not one of the account's webhooks",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const webhook = await webhookOf(context, String(args.id));
      const { webhooks, secrets } = context.services;
      const secret = newSecret();
      const rotated = rotatedWebhookSecrets(readWebhookSecrets(secrets.open(webhook.secret)), secret, new Date());
      const updated = await webhooks.replaceSecret(webhook.account, webhook._id, secrets.seal(JSON.stringify(rotated)));
      if (!updated) throw new GraphQLError(`no webhook ${webhook._id}`, { extensions: { code: "NOT_FOUND" } });
      return { webhook: updated, secret };
    },
  }),
  replayWebhook: t.field({
    type: "Boolean",
    description:
      "ADMIN: sends the webhook again every fact of its kinds from `since` on, from CHANGES (same webhook-id as the first time, so receivers can tell); when CHANGES (7 days) no longer holds facts that old, the full current state is sent from the store first (see resyncIntegration). NOT_FOUND for an id that is not one of the account's webhooks; BAD_USER_INPUT for a `since` in the future",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), since: t.arg({ type: "DateTime", required: true }) },
    resolve: async (_root, args, context) => {
      const webhook = await webhookOf(context, String(args.id));
      if (args.since.getTime() > Date.now()) throw badInput([{ field: "since", message: "must not be in the future" }]);
      return (await context.services.webhooks.requestReplay(webhook.account, webhook._id, args.since)) !== undefined;
    },
  }),
}));
