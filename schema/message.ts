import { GraphQLError } from "graphql";
import { z } from "zod";
import { customerIdSchema, jsonObjectSchema, MESSAGE_STATUSES } from "../model/index.ts";
import type { SendDocument } from "../store/index.ts";
import { AckRef, ack } from "./ack.ts";
import { builder } from "./builder.ts";
import { ChannelRef } from "./channel.ts";
import { connectionRef, pageOf, pageSizeSchema } from "./connection.ts";
import { callerAccount } from "./context.ts";
import { ingesting, parseArgument } from "./errors.ts";
import { pagedBy } from "./listSize.ts";

const MessageStatusRef = builder.enumType("MessageStatus", {
  description:
    "QUEUED: decided, not yet sent; SUPPRESSED: not sent, `reason` says why (NO_CONSENT, NO_ADDRESS, NO_DEVICE, CAPPED, QUIET_HOURS, OUTSIDE_WINDOW, UNSUBSCRIBED); FAILED: the provider refused it or it could not be rendered; UNKNOWN: sent, but no answer came and it is never sent again (WhatsApp)",
  values: MESSAGE_STATUSES,
});

const MessageRef = builder.objectRef<SendDocument>("Message").implement({
  description: "One send to a customer and what became of it (the send ledger)",
  fields: (t) => ({
    id: t.exposeID("sendKey", { description: "The send key: `api:<idempotencyKey>`, `campaign:…`, `journey:…`" }),
    channel: t.field({ type: ChannelRef, resolve: (send) => send.channel }),
    status: t.field({
      type: MessageStatusRef,
      // A send a worker holds is still queued, as far as anyone outside is concerned.
      resolve: (send) => (send.status === "SENDING" ? "QUEUED" : send.status),
    }),
    reason: t.exposeString("reason", { nullable: true }),
    templateId: t.exposeID("templateId"),
    templateVersion: t.exposeInt("templateVersion"),
    source: t.exposeString("source", {
      nullable: true,
      description: '"api", "campaign:<id>", "journey:<id>@<version>/<stepId>"',
    }),
    providerMessageId: t.exposeString("providerMessageId", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    sentAt: t.expose("sentAt", { type: "DateTime", nullable: true }),
  }),
});

const MessageConnectionRef = connectionRef("Message", MessageRef, "A page of a customer's messages, newest first");

const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;
const pageSchema = pageSizeSchema(MAX_PAGE);

/** A cursor is the time and ledger id of the last message of the page before, as `endCursor` gives it. */
const cursorSchema = z
  .string()
  .max(2_000)
  .transform((cursor, ctx) => {
    try {
      const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
      if (typeof at === "number" && typeof id === "string") return { createdAt: new Date(at), id };
    } catch {}
    ctx.addIssue({ code: "custom", message: "must be an endCursor of messages" });
    return z.NEVER;
  });
const cursorOf = (send: SendDocument) =>
  Buffer.from(JSON.stringify([send.createdAt.getTime(), send._id])).toString("base64url");

const idempotencyKeySchema = z.string().min(1, "must not be empty").max(255, "must be at most 255 characters");

const SendMessageInputRef = builder.inputType("SendMessageInput", {
  fields: (t) => ({
    customerId: t.id({ required: true }),
    templateId: t.id({ required: true }),
    idempotencyKey: t.string({
      required: true,
      description: "Sending again with the same key sends nothing more: the message is sent once",
    }),
    data: t.field({ type: "JSON", description: "Template variables under `data` (`{{ data.coupon }}`)" }),
  }),
});

builder.queryFields((t) => ({
  messages: t.field({
    type: MessageConnectionRef,
    description: `ADMIN: a customer's messages, newest first; \`first\` defaults to ${DEFAULT_PAGE}, at most ${MAX_PAGE}`,
    authScopes: { admin: true },
    args: { customerId: t.arg.id({ required: true }), first: t.arg.int(), after: t.arg.string() },
    extensions: pagedBy({ defaultFirst: DEFAULT_PAGE, maxFirst: MAX_PAGE }),
    resolve: async (_root, args, context) => {
      const customerId = parseArgument(customerIdSchema, String(args.customerId), "customerId");
      const first = parseArgument(pageSchema, args.first ?? DEFAULT_PAGE, "first");
      const before = args.after == null ? undefined : parseArgument(cursorSchema, args.after, "after");
      const sends = await context.services.sends.page(callerAccount(context), customerId, first + 1, before);
      return pageOf(sends, first, cursorOf);
    },
  }),
}));

builder.mutationFields((t) => ({
  sendMessage: t.field({
    type: AckRef,
    description:
      "ADMIN: sends one message from a template to a customer, as the template's category says (a transactional message, or a one-off marketing one). The customer's actor decides (consent, address, caps, quiet hours); `messages` shows the outcome",
    authScopes: { admin: true },
    args: { input: t.arg({ type: SendMessageInputRef, required: true }) },
    resolve: async (_root, args, context) => {
      const account = callerAccount(context);
      const customerId = parseArgument(customerIdSchema, String(args.input.customerId), "input.customerId");
      const idempotencyKey = parseArgument(idempotencyKeySchema, args.input.idempotencyKey, "input.idempotencyKey");
      const data = parseArgument(jsonObjectSchema.optional(), args.input.data ?? undefined, "input.data");
      const templateId = String(args.input.templateId);
      const template = await context.services.templates.version(account, templateId);
      if (!template) {
        throw new GraphQLError(`input.templateId: the account has no template "${templateId}"`, {
          extensions: { code: "NOT_FOUND", field: "input.templateId" },
        });
      }
      const messaging = await context.services.messagingSettings.get(account);
      return ingesting(
        () => "input",
        async () =>
          ack(
            await context.services.publisher.publish([
              {
                type: "message.send",
                // Masivo's namespace of ids: an event id of the client's never suppresses a send.
                id: { derived: `api-send:${idempotencyKey}` },
                data: {
                  sendKey: `api:${idempotencyKey}`,
                  channel: template.content.channel,
                  category: template.category,
                  templateId,
                  templateVersion: template.version,
                  source: "api",
                  variables: data ? { data } : {},
                  messaging,
                },
                metadata: { account, customerId },
              },
            ]),
          ),
      );
    },
  }),
}));
