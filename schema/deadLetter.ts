import { z } from "zod";
import type { DeadLetter } from "../store/index.ts";
import { commandMessageId } from "../streams/index.ts";
import { builder } from "./builder.ts";
import { connectionRef, pageOf, pageSizeSchema } from "./connection.ts";
import { callerAccount } from "./context.ts";
import { orUnavailable, parseArgument } from "./errors.ts";
import { pagedBy } from "./listSize.ts";

const DeadLetterRef = builder.objectRef<DeadLetter>("DeadLetter").implement({
  description:
    "A command the customer actors could not apply (the store refused it, a bound refused it, or it could not be read): set aside so its partition goes on",
  fields: (t) => ({
    id: t.exposeID("_id"),
    stream: t.exposeString("stream", { description: "The stream it came from: INGEST" }),
    customerId: t.exposeID("customerId", { nullable: true, description: "Null when the command could not be read" }),
    kind: t.exposeString("kind", { description: "The command type (customer.upsert, event.track…) or unreadable" }),
    error: t.exposeString("error", { description: "Why it was not applied" }),
    payload: t.exposeString("payload", { description: "The command as stored, JSON" }),
    at: t.expose("at", { type: "DateTime" }),
  }),
});

const DeadLetterConnectionRef = connectionRef(
  "DeadLetter",
  DeadLetterRef,
  "A page of the account's dead letters, newest first (Relay connection)",
);

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
const pageSchema = pageSizeSchema(MAX_PAGE);
/** A cursor is the sequence of the last letter of the page before, as `endCursor` gives it. */
const cursorSchema = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, "must be an endCursor of deadLetters")
  .transform(Number);

builder.queryFields((t) => ({
  deadLetters: t.field({
    type: DeadLetterConnectionRef,
    description: `ADMIN: the account's dead letters, newest first; \`first\` defaults to ${DEFAULT_PAGE}, at most ${MAX_PAGE}`,
    authScopes: { admin: true },
    args: { first: t.arg.int(), after: t.arg.string() },
    extensions: pagedBy({ defaultFirst: DEFAULT_PAGE, maxFirst: MAX_PAGE }),
    resolve: async (_root, args, context) => {
      const first = parseArgument(pageSchema, args.first ?? DEFAULT_PAGE, "first");
      const before = args.after == null ? undefined : parseArgument(cursorSchema, args.after, "after");
      const letters = await context.services.deadLetters.page(callerAccount(context), first + 1, before);
      return pageOf(letters, first, (letter) => String(letter.seq));
    },
  }),
}));

builder.mutationFields((t) => ({
  retryDeadLetter: t.boolean({
    description:
      "ADMIN: stores the dead letter's command in INGEST again, as it was, and removes the letter; false when the account has no such letter. If it fails again, it comes back as a new letter",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const { deadLetters, resender } = context.services;
      const letter = await deadLetters.take(callerAccount(context), String(args.id));
      if (!letter) return false;
      try {
        // Under Masivo's namespace of the account's message ids, where no client id can reach.
        const messageId = commandMessageId(letter.account, { derived: `retry:${letter._id}` });
        await orUnavailable(() => resender.resend(letter, messageId));
      } catch (error) {
        await deadLetters.restore(letter);
        throw error;
      }
      return true;
    },
  }),
  discardDeadLetter: t.boolean({
    description: "ADMIN: removes a dead letter for good; false when the account has no such letter",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) =>
      (await context.services.deadLetters.take(callerAccount(context), String(args.id))) !== undefined,
  }),
}));
