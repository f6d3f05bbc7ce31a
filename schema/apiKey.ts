import { GraphQLError } from "graphql";
import { z } from "zod";
import { accountIdSchema } from "../model/index.ts";
import { AccountExistsError, API_KEY_ROLES, type NewApiKey } from "../store/index.ts";
import { builder } from "./builder.ts";
import { callerAccount } from "./context.ts";
import { parseArgument } from "./errors.ts";

export const ApiKeyRoleRef = builder.enumType("ApiKeyRole", {
  description: "ADMIN manages one account; SDK (mobile apps) may only register devices and track events",
  values: API_KEY_ROLES,
});

const NewApiKeyRef = builder.objectRef<NewApiKey>("NewApiKey").implement({
  description: "A new API key; `key` is shown this once and stored only as a hash",
  fields: (t) => ({
    id: t.exposeID("id"),
    key: t.exposeString("key"),
    account: t.exposeID("account"),
    role: t.field({ type: ApiKeyRoleRef, resolve: (key) => key.role }),
  }),
});

builder.mutationFields((t) => ({
  createAccount: t.field({
    type: NewApiKeyRef,
    description: "ROOT only: creates an account and its first ADMIN key",
    authScopes: { root: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, { services }) => {
      const id = parseArgument(accountIdSchema, String(args.id), "id");
      try {
        await services.accounts.create(id);
      } catch (error) {
        if (error instanceof AccountExistsError) {
          throw new GraphQLError(error.message, { extensions: { code: error.code, field: "id" } });
        }
        throw error;
      }
      return services.apiKeys.create(id, "ADMIN");
    },
  }),
  createApiKey: t.field({
    type: NewApiKeyRef,
    description: "ADMIN: a new key for the caller's account",
    authScopes: { admin: true },
    args: { role: t.arg({ type: ApiKeyRoleRef, required: true }) },
    resolve: (_root, args, context) => context.services.apiKeys.create(callerAccount(context), args.role),
  }),
  revokeApiKey: t.boolean({
    description: "ADMIN: revokes one of the account's keys; false when the account has no such active key",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.apiKeys.revoke(callerAccount(context), parseArgument(z.string().min(1), String(args.id), "id")),
  }),
}));
