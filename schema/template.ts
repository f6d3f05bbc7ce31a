import { GraphQLError } from "graphql";
import { z } from "zod";
import { customerIdSchema, jsonObjectSchema, type TemplateContent, type TemplateVersion } from "../model/index.ts";
import { TemplateNotFoundError } from "../store/index.ts";
import { renderMessage, type TemplateVariables } from "../templates/index.ts";
import { builder } from "./builder.ts";
import { MessageCategoryRef } from "./channel.ts";
import { type Context, callerAccount } from "./context.ts";
import { orGraphQLError, parseArgument } from "./errors.ts";
import { RenderedMessageRef } from "./renderedMessage.ts";
import { MessageContentRef } from "./templateContent.ts";
import { parseTemplateInput, TemplateInputRef } from "./templateInput.ts";

/** A version with its content's fields beside its own, as the `Template` type shows it. */
type TemplateView = TemplateVersion & TemplateContent;

export const viewOf = (version: TemplateVersion): TemplateView => ({ ...version, ...version.content });

export const TemplateRef = builder.objectRef<TemplateView>("Template").implement({
  description: "One version of a message template; every text of its content is a Liquid template",
  interfaces: [MessageContentRef],
  isTypeOf: () => true,
  fields: (t) => ({
    id: t.exposeID("templateId"),
    name: t.exposeString("name"),
    category: t.field({ type: MessageCategoryRef, resolve: (template) => template.category }),
    version: t.exposeInt("version", { description: "1 when created; each update adds one" }),
    createdAt: t.field({
      type: "DateTime",
      description: "When this version was written",
      resolve: (template) => template.createdAt,
    }),
  }),
});

/** Stands in for the link the channel puts in a marketing email, which a preview has not. */
const PREVIEW_UNSUBSCRIBE_URL = "https://unsubscribe.invalid/preview";

const versionSchema = z.number().int().min(1, "must be at least 1");

/** A version of the caller's template; NOT_FOUND when there is none. */
async function templateVersion(context: Context, id: string, version?: number): Promise<TemplateVersion> {
  const found = await context.services.templates.version(callerAccount(context), id, version);
  if (!found) throw new TemplateNotFoundError(id, version);
  return found;
}

/** The variables of a preview: the stored customer, the `data` given, a placeholder unsubscribe link. */
async function previewVariables(context: Context, customerId: string, data: unknown): Promise<TemplateVariables> {
  const customer = await context.services.customers.get(callerAccount(context), customerId);
  if (!customer) throw new GraphQLError(`customer ${customerId} not found`, { extensions: { code: "NOT_FOUND" } });
  return {
    customer: { ...customer.profile, customerId: customer.customerId, attributes: customer.attributes },
    ...(data == null ? {} : { data: parseArgument(jsonObjectSchema, data, "data") }),
    unsubscribeUrl: PREVIEW_UNSUBSCRIBE_URL,
  };
}

builder.queryFields((t) => ({
  template: t.field({
    type: TemplateRef,
    nullable: true,
    description: "ADMIN: the latest version of one of the account's templates; null when there is none",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const found = await context.services.templates.version(callerAccount(context), String(args.id));
      return found ? viewOf(found) : null;
    },
  }),
  templates: t.field({
    type: [TemplateRef],
    description: "ADMIN: the latest version of each of the account's templates, oldest template first",
    authScopes: { admin: true },
    resolve: async (_root, _args, context) =>
      (await context.services.templates.list(callerAccount(context))).map(viewOf),
  }),
  renderTemplate: t.field({
    type: RenderedMessageRef,
    description:
      "ADMIN: a preview of a template version (the latest when version is left out) rendered with the stored customer's data and the data given; RENDER_FAILED names a missing variable",
    authScopes: { admin: true },
    args: {
      id: t.arg.id({ required: true }),
      customerId: t.arg.id({ required: true }),
      version: t.arg.int(),
      data: t.arg({ type: "JSON", description: "The send's data (`data.<key>` in the template): an object" }),
    },
    resolve: (_root, args, context) =>
      orGraphQLError(async () => {
        const customerId = parseArgument(customerIdSchema, String(args.customerId), "customerId");
        const version = args.version == null ? undefined : parseArgument(versionSchema, args.version, "version");
        const pinned = await templateVersion(context, String(args.id), version);
        const result = renderMessage(pinned, await previewVariables(context, customerId, args.data));
        if (result.ok) return result.message;
        throw new GraphQLError(`cannot render ${result.error}`, {
          extensions: {
            code: "RENDER_FAILED",
            field: result.field,
            ...(result.variable ? { variable: result.variable } : {}),
          },
        });
      }),
  }),
}));

builder.mutationFields((t) => ({
  createTemplate: t.field({
    type: TemplateRef,
    description:
      "ADMIN: a new template, its version 1; a Liquid field that does not parse is BAD_USER_INPUT naming its line and column",
    authScopes: { admin: true },
    args: { input: t.arg({ type: TemplateInputRef, required: true }) },
    resolve: async (_root, args, context) => {
      const draft = parseTemplateInput(args.input);
      return viewOf(await context.services.templates.create(callerAccount(context), draft));
    },
  }),
  updateTemplate: t.field({
    type: TemplateRef,
    description:
      "ADMIN: the template's next version, whole (nothing is kept from the last one); sends already asked for keep theirs; its channel cannot change",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: TemplateInputRef, required: true }) },
    resolve: (_root, args, context) => {
      const draft = parseTemplateInput(args.input);
      return orGraphQLError(async () =>
        viewOf(await context.services.templates.update(callerAccount(context), String(args.id), draft)),
      );
    },
  }),
}));
