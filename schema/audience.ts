import { z } from "zod";
import { customerIdSchema } from "../model/index.ts";
import { type AudienceDocument, AudienceNotFoundError } from "../store/index.ts";
import { AudienceInputRef, AudienceKindRef, parseAudienceInput } from "./audienceInput.ts";
import { AudienceRunRef } from "./audienceRun.ts";
import { builder } from "./builder.ts";
import { type Context, callerAccount } from "./context.ts";
import { type CustomerConnection, CustomerConnectionRef } from "./customerConnection.ts";
import { orGraphQLError, parseArgument } from "./errors.ts";
import { pagedBy } from "./listSize.ts";

/** Members one page of `Audience.members` holds by default, and at most. */
const DEFAULT_MEMBERS_PAGE = 50;
const MAX_MEMBERS_PAGE = 500;

const firstSchema = z
  .number()
  .int()
  .min(0, "must not be negative")
  .max(MAX_MEMBERS_PAGE, `must be at most ${MAX_MEMBERS_PAGE}`);

/** An hourly sweep adds a run every hour: the list is bounded. */
const DEFAULT_RUNS = 20;
const MAX_RUNS = 100;
const runsSchema = z.number().int().min(1, "must be at least 1").max(MAX_RUNS, `must be at most ${MAX_RUNS}`);

/** An audience of the caller's account that is not being deleted; undefined otherwise. */
export async function liveAudience(context: Context, id: string): Promise<AudienceDocument | undefined> {
  const audience = await context.services.audiences.get(callerAccount(context), id);
  return audience && !audience.deleting ? audience : undefined;
}

/**
 * One page of members in customer id order. The cursor is the customer id; a member whose
 * customer document is gone is skipped, so `endCursor` may lie past the last edge.
 */
async function membersPage(
  context: Context,
  audience: AudienceDocument,
  first: number,
  after: string | undefined,
): Promise<CustomerConnection> {
  const { audienceMembers, customers } = context.services;
  const members = await audienceMembers.page(audience._id, first + 1, after);
  const page = members.slice(0, first);
  const loaded = await Promise.all(page.map((member) => customers.get(audience.account, member.customerId)));
  return {
    edges: loaded.flatMap((node) => (node ? [{ cursor: node.customerId, node }] : [])),
    pageInfo: { hasNextPage: members.length > first, endCursor: page.at(-1)?.customerId ?? null },
  };
}

const AudienceStatusRef = builder.enumType("AudienceStatus", {
  description:
    "HEALTHY: its members follow its definition; FAILING: its definition did not reach the customer workers, so members do not change in real time (lastError says why)",
  values: ["HEALTHY", "FAILING"] as const,
});

export const AudienceRef = builder.objectRef<AudienceDocument>("Audience").implement({
  description: "A named set of customers, kept by a rule (RULES) or by imports (STATIC)",
  fields: (t) => ({
    id: t.exposeID("_id"),
    name: t.exposeString("name"),
    description: t.string({ nullable: true, resolve: (audience) => audience.description ?? null }),
    kind: t.expose("kind", { type: AudienceKindRef }),
    rules: t.field({ type: "JSON", nullable: true, resolve: (audience) => audience.rules ?? null }),
    sweepSchedule: t.string({ nullable: true, resolve: (audience) => audience.sweepSchedule ?? null }),
    pushTopic: t.boolean({
      description: "Whether members with push consent have their device tokens in the audience's FCM topic",
      resolve: (audience) => audience.pushTopic ?? false,
    }),
    size: t.exposeInt("size", { description: "Current member count" }),
    status: t.field({
      type: AudienceStatusRef,
      resolve: (audience) => (audience.lastError === undefined ? "HEALTHY" : "FAILING"),
    }),
    lastError: t.string({
      nullable: true,
      description: "Why the audience is FAILING; a reference (ref_…) names the log entry when Masivo itself failed",
      resolve: (audience) => audience.lastError ?? null,
    }),
    members: t.field({
      type: CustomerConnectionRef,
      description: `The members, by customer id; \`first\` defaults to ${DEFAULT_MEMBERS_PAGE}, at most ${MAX_MEMBERS_PAGE}; \`after\` is the endCursor of the page before (a customer id)`,
      args: { first: t.arg.int(), after: t.arg.string() },
      extensions: pagedBy({ defaultFirst: DEFAULT_MEMBERS_PAGE, maxFirst: MAX_MEMBERS_PAGE }),
      resolve: (audience, args, context) => {
        const first = parseArgument(firstSchema, args.first ?? DEFAULT_MEMBERS_PAGE, "first");
        // The cursor is a customer id: nothing else becomes a bound of the query.
        const after = args.after == null ? undefined : parseArgument(customerIdSchema, args.after, "after");
        return membersPage(context, audience, first, after);
      },
    }),
    runs: t.field({
      type: [AudienceRunRef],
      description: `The newest runs first; \`first\` defaults to ${DEFAULT_RUNS}, at most ${MAX_RUNS}`,
      args: { first: t.arg.int() },
      extensions: pagedBy({ defaultFirst: DEFAULT_RUNS, maxFirst: MAX_RUNS }),
      resolve: async (audience, args, context) => {
        const first = parseArgument(runsSchema, args.first ?? DEFAULT_RUNS, "first");
        return (await context.services.audienceRuns.ofAudience(audience.account, audience._id)).slice(0, first);
      },
    }),
  }),
});

builder.queryFields((t) => ({
  audience: t.field({
    type: AudienceRef,
    nullable: true,
    description: "ADMIN: one audience of the caller's account; null when there is none or it is being deleted",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => (await liveAudience(context, String(args.id))) ?? null,
  }),
  audiences: t.field({
    type: [AudienceRef],
    description: "ADMIN: the account's audiences, oldest first, without those being deleted",
    authScopes: { admin: true },
    resolve: (_root, _args, context) => context.services.audiences.list(callerAccount(context)),
  }),
}));

builder.mutationFields((t) => ({
  createAudience: t.field({
    type: AudienceRef,
    description: "ADMIN: a new audience; a RULES audience is computed by a first RECALCULATE run",
    authScopes: { admin: true },
    args: { input: t.arg({ type: AudienceInputRef, required: true }) },
    resolve: (_root, args, context) => {
      const account = callerAccount(context);
      const input = parseAudienceInput(args.input);
      return orGraphQLError(() => context.services.audienceOperations.create(account, input));
    },
  }),
  updateAudience: t.field({
    type: AudienceRef,
    description:
      "ADMIN: changes an audience; what the input leaves out keeps its value; a rule change recalculates; a new name starts a RENAME run; turning pushTopic on or off starts a PUSH_TOPIC run",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: AudienceInputRef, required: true }) },
    resolve: (_root, args, context) => {
      const account = callerAccount(context);
      const id = String(args.id);
      return orGraphQLError(async () => {
        const existing = await liveAudience(context, id);
        if (!existing) throw new AudienceNotFoundError(id);
        return context.services.audienceOperations.update(account, id, parseAudienceInput(args.input, existing));
      });
    },
  }),
  recalculateAudience: t.field({
    type: AudienceRunRef,
    description: "ADMIN: starts a RECALCULATE run; AUDIENCE_BUSY while another run holds the audience",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      orGraphQLError(() => context.services.audienceOperations.recalculate(callerAccount(context), String(args.id))),
  }),
  importAudienceMembers: t.field({
    type: AudienceRunRef,
    description: "ADMIN: adds the customers of a CSV file (a header row holding `customerId`) in an IMPORT run",
    authScopes: { admin: true },
    args: { audienceId: t.arg.id({ required: true }), file: t.arg({ type: "File", required: true }) },
    resolve: (_root, args, context) =>
      orGraphQLError(() =>
        context.services.audienceOperations.importMembers(
          callerAccount(context),
          String(args.audienceId),
          args.file.stream(),
        ),
      ),
  }),
  deleteAudience: t.field({
    type: AudienceRunRef,
    description: "ADMIN: starts a DELETE run that empties the audience, then removes it",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      orGraphQLError(() => context.services.audienceOperations.delete(callerAccount(context), String(args.id))),
  }),
}));
