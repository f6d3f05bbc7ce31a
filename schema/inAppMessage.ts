import { z } from "zod";
import { customerIdSchema } from "../model/index.ts";
import type { InAppMessage, InAppState } from "../store/index.ts";
import { builder } from "./builder.ts";
import { callerAccount } from "./context.ts";
import { ensureMayReadCustomer } from "./customerAccess.ts";
import { orGraphQLError, parseArgument } from "./errors.ts";

const IN_APP_STATES = ["READ", "DISMISSED"] as const satisfies readonly InAppState[];

const InAppStateRef = builder.enumType("InAppState", {
  description: "READ keeps the message in the inbox; DISMISSED takes it out",
  values: IN_APP_STATES,
});

const InAppMessageRef = builder.objectRef<InAppMessage>("InAppMessage").implement({
  description: "A message in a customer's in-app inbox, rendered",
  fields: (t) => ({
    id: t.exposeID("id"),
    title: t.exposeString("title"),
    body: t.exposeString("body", { nullable: true }),
    imageUrl: t.exposeString("imageUrl", { nullable: true }),
    buttons: t.expose("buttons", { type: "JSON", nullable: true }),
    payload: t.expose("payload", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    readAt: t.expose("readAt", { type: "DateTime", nullable: true }),
  }),
});

const messageIdSchema = z.string().min(1).max(100);

/** ADMIN, or SDK with the user token of that very customer (customerAccess.ts). */
const inboxScopes = { $any: { admin: true, sdk: true } };

builder.queryField("inAppMessages", (t) =>
  t.field({
    type: [InAppMessageRef],
    description:
      "ADMIN, or SDK with that customer's user token: the customer's in-app inbox, newest first (at most 100), without expired or dismissed messages",
    authScopes: inboxScopes,
    args: { customerId: t.arg.id({ required: true }), unreadOnly: t.arg.boolean() },
    resolve: (_root, args, context) => {
      const account = callerAccount(context);
      const customerId = parseArgument(customerIdSchema, String(args.customerId), "customerId");
      ensureMayReadCustomer(context, customerId, "customerId");
      return context.services.inAppMessages.list(account, customerId, { unreadOnly: args.unreadOnly ?? false });
    },
  }),
);

builder.mutationField("markInAppMessage", (t) =>
  t.field({
    type: "Boolean",
    description:
      "ADMIN, or SDK with that customer's user token: marks one of the customer's in-app messages READ or DISMISSED; false when the customer has no message of that id",
    authScopes: inboxScopes,
    args: {
      customerId: t.arg.id({ required: true }),
      id: t.arg.id({ required: true }),
      state: t.arg({ type: InAppStateRef, required: true }),
    },
    resolve: (_root, args, context) => {
      const account = callerAccount(context);
      const customerId = parseArgument(customerIdSchema, String(args.customerId), "customerId");
      const id = parseArgument(messageIdSchema, String(args.id), "id");
      ensureMayReadCustomer(context, customerId, "customerId");
      return context.services.inAppMessages.mark(account, customerId, id, args.state);
    },
  }),
);

builder.subscriptionField("inAppMessageReceived", (t) =>
  t.field({
    type: InAppMessageRef,
    description:
      "ADMIN, or SDK with that customer's user token: the customer's in-app messages as they are delivered, live (over SSE)",
    authScopes: inboxScopes,
    args: { customerId: t.arg.id({ required: true }) },
    subscribe: (_root, args, context) => {
      const account = callerAccount(context);
      const customerId = parseArgument(customerIdSchema, String(args.customerId), "customerId");
      ensureMayReadCustomer(context, customerId, "customerId");
      return orGraphQLError(() => context.services.inAppMessagesReceived(account, customerId));
    },
    resolve: (message) => message,
  }),
);
