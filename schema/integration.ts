import { GraphQLError } from "graphql";
import { z } from "zod";
import {
  type IntegrationDocument,
  isChannelIntegration,
  type SyncLogEntry,
  syncLogPosition,
  type WebhookDocument,
} from "../store/index.ts";
import { builder } from "./builder.ts";
import { connectionRef, pageOf } from "./connection.ts";
import { callerAccount } from "./context.ts";
import { badInput, parseArgument } from "./errors.ts";
import { pagedBy } from "./listSize.ts";

export const IntegrationStatusRef = builder.enumType("IntegrationStatus", {
  description:
    "HEALTHY: syncing or sending; DEGRADED: retrying after provider errors; FAILING: paused, the configuration is wrong (401/403) and its backlog is kept; DISABLED: switched off, or a webhook endpoint answered 410 Gone (lastError says so; updateWebhook resumes it)",
  values: ["HEALTHY", "DEGRADED", "FAILING", "DISABLED"] as const,
});

export const IntegrationRef = builder.objectRef<IntegrationDocument | WebhookDocument>("Integration").implement({
  description: "A destination or a channel provider configured for the account; its secrets are never returned",
  fields: (t) => ({
    id: t.exposeID("_id"),
    kind: t.exposeString("kind", {
      description: "braze, s3 or webhook (a destination); email, push or whatsapp (a channel)",
    }),
    status: t.expose("status", { type: IntegrationStatusRef }),
    settings: t.field({
      type: "JSON",
      description: "The configuration without secrets",
      resolve: (integration) => ({
        ...integration.settings,
        ...(integration.kind === "braze" && integration.combinedSince ? { batchLimitInUse: "COMBINED" } : {}),
      }),
    }),
    lastError: t.string({ nullable: true, resolve: (integration) => integration.lastError ?? null }),
  }),
});

const SyncLogEntryRef = builder.objectRef<SyncLogEntry>("SyncLogEntry").implement({
  description:
    "An item the provider refused for good (logged with its message, never resent), or a gap in CHANGES found or a full resync done (`item` gap or resync)",
  fields: (t) => ({
    id: t.exposeID("_id"),
    customerId: t.exposeID("customerId"),
    item: t.exposeString("item", {
      description: "attributes, events, purchases or delete; gap or resync (then customerId and factId are empty)",
    }),
    factId: t.exposeID("factId", { description: "The CHANGES fact the item came from" }),
    part: t.exposeInt("part", { description: "Which of the fact's items" }),
    httpStatus: t.exposeInt("httpStatus"),
    message: t.exposeString("message", { description: "The provider's own words" }),
    at: t.expose("at", { type: "DateTime" }),
  }),
});

const SyncLogConnectionRef = connectionRef(
  "SyncLog",
  SyncLogEntryRef,
  "A page of an integration's sync log, newest first (Relay connection)",
);

const DEFAULT_LOG_PAGE = 50;
const MAX_LOG_PAGE = 500;
const logPageSchema = z
  .number()
  .int()
  .min(1, "must be at least 1")
  .max(MAX_LOG_PAGE, `must be at most ${MAX_LOG_PAGE}`);

/**
 * A cursor is the id of the last entry of the page before, which must be an entry of this
 * integration's log: no other text becomes a bound of the query.
 */
const cursorSchema = (integrationId: string) =>
  z.string().transform((cursor, context) => {
    const position = syncLogPosition(integrationId, cursor);
    if (position !== undefined) return position;
    context.addIssue({
      code: "custom",
      message: "must be the endCursor of an earlier page of this integration's sync log",
    });
    return z.NEVER;
  });

builder.queryFields((t) => ({
  integrations: t.field({
    type: [IntegrationRef],
    description: "ADMIN: the account's integrations",
    authScopes: { admin: true },
    resolve: (_root, _args, context) => context.services.integrations.ofAccount(callerAccount(context)),
  }),
  syncLog: t.field({
    type: SyncLogConnectionRef,
    description: `ADMIN: what an integration could not deliver, and the gaps and full resyncs it had, newest first; \`first\` defaults to ${DEFAULT_LOG_PAGE}, at most ${MAX_LOG_PAGE}; \`after\` is the endCursor of the page before`,
    authScopes: { admin: true },
    args: { integrationId: t.arg.id({ required: true }), first: t.arg.int(), after: t.arg.string() },
    extensions: pagedBy({ defaultFirst: DEFAULT_LOG_PAGE, maxFirst: MAX_LOG_PAGE }),
    resolve: async (_root, args, context) => {
      const first = parseArgument(logPageSchema, args.first ?? DEFAULT_LOG_PAGE, "first");
      const integrationId = String(args.integrationId);
      const after = args.after == null ? undefined : parseArgument(cursorSchema(integrationId), args.after, "after");
      const account = callerAccount(context);
      const integration = await context.services.integrations.get(integrationId);
      // Another account's integration reads as one that does not exist.
      const entries =
        integration?.account === account
          ? await context.services.syncLog.page(account, integration._id, first + 1, after)
          : [];
      return pageOf(entries, first, (entry) => entry._id);
    },
  }),
}));

builder.mutationField("resyncIntegration", (t) =>
  t.field({
    type: "Boolean",
    description:
      "ADMIN: sends the integration the full current state of every customer (profile, tags, memberships; deletions), from each customer's actor, then goes on incrementally. Joins a resync already under way. NOT_FOUND for an id that is not one of the account's integrations; BAD_USER_INPUT for a channel's (email, push, whatsapp), which syncs nothing",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const id = String(args.id);
      const integration = await context.services.integrations.get(id);
      // Another account's integration reads as one that does not exist.
      if (integration?.account !== callerAccount(context)) {
        throw new GraphQLError(`no integration ${id}`, { extensions: { code: "NOT_FOUND" } });
      }
      if (isChannelIntegration(integration)) {
        throw badInput([
          { field: "id", message: `${id} sends messages and syncs nothing: only a destination resyncs` },
        ]);
      }
      await context.services.integrations.requestResync(integration._id, "REQUESTED");
      return true;
    },
  }),
);
