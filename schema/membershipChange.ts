import type { MembershipChange } from "../model/index.ts";
import { AudienceNotFoundError } from "../store/index.ts";
import { liveAudience } from "./audience.ts";
import { builder } from "./builder.ts";
import { callerAccount } from "./context.ts";
import { orGraphQLError } from "./errors.ts";

const MembershipChangeKindRef = builder.enumType("MembershipChangeKind", { values: ["ENTERED", "EXITED"] as const });

const MembershipChangeRef = builder.objectRef<MembershipChange>("MembershipChange").implement({
  description: "A customer entered or left an audience",
  fields: (t) => ({
    audienceId: t.exposeID("audienceId"),
    customerId: t.exposeID("customerId"),
    change: t.expose("change", { type: MembershipChangeKindRef }),
    at: t.expose("at", { type: "DateTime" }),
  }),
});

/**
 * Opens `source` with a signal that aborts as soon as the client goes away. graphql-js ends a
 * subscription by calling `return()` on the iterator; an async generator waiting for its next
 * value would only see that after the next value, so `return()` aborts first.
 */
function abortOnReturn<T>(source: (signal: AbortSignal) => AsyncIterable<T>): AsyncIterableIterator<T> {
  const controller = new AbortController();
  const iterator = source(controller.signal)[Symbol.asyncIterator]();
  const stop = (): IteratorResult<T> => {
    controller.abort();
    iterator.return?.().catch(() => {});
    return { done: true, value: undefined };
  };
  return {
    next: () => iterator.next(),
    return: async () => stop(),
    throw: async () => stop(),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

builder.subscriptionField("membershipChanges", (t) =>
  t.field({
    type: MembershipChangeRef,
    description: "ADMIN: customers entering and leaving one audience, live (over SSE), from when it starts",
    authScopes: { admin: true },
    args: { audienceId: t.arg.id({ required: true }) },
    subscribe: (_root, args, context) => {
      const account = callerAccount(context);
      const audienceId = String(args.audienceId);
      return orGraphQLError(async () => {
        if (!(await liveAudience(context, audienceId))) throw new AudienceNotFoundError(audienceId);
        return abortOnReturn((signal) =>
          context.services.audienceOperations.membershipChanges(account, audienceId, signal),
        );
      });
    },
    resolve: (change) => change,
  }),
);
