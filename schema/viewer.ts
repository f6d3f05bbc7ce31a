import { builder } from "./builder.ts";
import type { Caller } from "./context.ts";

const ViewerRef = builder.objectRef<Caller>("Viewer").implement({
  description: "The key the request was made with",
  fields: (t) => ({
    root: t.boolean({ resolve: (caller) => caller.kind === "root" }),
    account: t.id({ nullable: true, resolve: (caller) => (caller.kind === "key" ? caller.account : null) }),
    role: t.string({ nullable: true, resolve: (caller) => (caller.kind === "key" ? caller.role : "ROOT") }),
    customerId: t.id({
      nullable: true,
      description: "The customer a verified SDK user token (X-Masivo-User) names; the request may touch no other",
      resolve: (caller) => (caller.kind === "key" ? (caller.customerId ?? null) : null),
    }),
  }),
});

builder.queryField("viewer", (t) =>
  t.field({
    type: ViewerRef,
    nullable: true,
    description: "Who the caller is; null without a valid key",
    resolve: (_root, _args, context) => context.caller ?? null,
  }),
);
