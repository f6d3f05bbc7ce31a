import SchemaBuilder from "@pothos/core";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { type Context, forbiddenOrUnauthenticated } from "./context.ts";
import type { Upload } from "./upload.ts";

/** Builder configuration only; types live one per file beside it. */
export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: { root: boolean; admin: boolean; sdk: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    File: { Input: Upload; Output: never };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({
      root: context.caller?.kind === "root",
      admin: context.caller?.kind === "key" && context.caller.role === "ADMIN",
      sdk: context.caller?.kind === "key" && context.caller.role === "SDK",
    }),
    unauthorizedError: (_parent, context) => forbiddenOrUnauthenticated(context),
    // Check a subscription's scopes before its `subscribe` opens anything, not per event.
    authorizeOnSubscribe: true,
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
