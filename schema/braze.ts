import { z } from "zod";
import type { BrazeSettings } from "../store/index.ts";
import { BACKFILL, backfillIfAsked } from "./backfill.ts";
import { builder } from "./builder.ts";
import { callerAccount } from "./context.ts";
import { parseArgument } from "./errors.ts";
import { IntegrationRef } from "./integration.ts";
import { isLocalEndpoint, localEndpointProblem } from "./localEndpoint.ts";

const BrazeBatchLimitRef = builder.enumType("BrazeBatchLimit", {
  description: "PER_TYPE: 75 attributes + 75 events + 75 purchases per call; COMBINED: 75 objects in all",
  values: ["PER_TYPE", "COMBINED"] as const,
});

const BrazeInputRef = builder.inputType("BrazeInput", {
  description: "The account's Braze integration; the API key is stored encrypted and never returned",
  fields: (t) => ({
    restEndpoint: t.string({
      required: true,
      description: "e.g. https://rest.iad-01.braze.com, https://rest.fra-01.braze.eu",
    }),
    apiKey: t.string({ required: true, description: "A REST key with users.track and users.delete" }),
    batchLimit: t.field({ type: BrazeBatchLimitRef, description: "Default PER_TYPE" }),
    enabled: t.boolean({ description: "Default true" }),
    syncAudiences: t.boolean({ description: "Default true: masivo_<audience name> true / false / null" }),
    syncEvents: t.boolean({ description: "Default true: custom events (internal events never)" }),
    syncPurchases: t.boolean({ description: "Default true: FULFILL items, reversals as negative prices" }),
    syncTags: t.boolean({ description: "Default true: the masivo_tags array" }),
    customersCreate: t.boolean({ description: "Default true: new customers create Braze users" }),
    customersUpdate: t.boolean({ description: "Default true: profile changes update Braze users" }),
    customersDelete: t.boolean({ description: "Default true: deleted customers are deleted in Braze" }),
    backfill: t.boolean({ description: BACKFILL }),
  }),
});

const BRAZE_HOST = /^https:\/\/rest\.[a-z0-9-]+\.braze\.(com|eu)$/;

/**
 * Why `restEndpoint` is not a Braze REST endpoint we may call, or undefined when it is one:
 * `https://rest.<cluster>.braze.com`, or `.braze.eu` for the EU clusters (fra-…), which only exist
 * there; `http://127.0.0.1:<port>` only when local destinations are allowed (fakes, tests).
 */
export function endpointProblem(restEndpoint: string, allowLocal: boolean): string | undefined {
  if (isLocalEndpoint(restEndpoint)) return localEndpointProblem(restEndpoint, allowLocal);
  const match = BRAZE_HOST.exec(restEndpoint);
  if (!match) return "must be https://rest.<cluster>.braze.com (or .braze.eu for EU clusters)";
  const euCluster = restEndpoint.startsWith("https://rest.fra-");
  if (euCluster && match[1] !== "eu") return "EU clusters are on .braze.eu, e.g. https://rest.fra-01.braze.eu";
  if (!euCluster && match[1] === "eu") return "only the EU clusters (fra-…) are on .braze.eu";
  return undefined;
}

const on = z
  .boolean()
  .nullish()
  .transform((value) => value ?? true);

const brazeInputSchema = (allowLocal: boolean) =>
  z.object({
    restEndpoint: z
      .string()
      .trim()
      .transform((value) => value.replace(/\/+$/, ""))
      .superRefine((value, ctx) => {
        const problem = endpointProblem(value, allowLocal);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    apiKey: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
    batchLimit: z
      .enum(["PER_TYPE", "COMBINED"])
      .nullish()
      .transform((value) => value ?? "PER_TYPE"),
    enabled: on,
    syncAudiences: on,
    syncEvents: on,
    syncPurchases: on,
    syncTags: on,
    customersCreate: on,
    customersUpdate: on,
    customersDelete: on,
  });

builder.mutationField("configureBraze", (t) =>
  t.field({
    type: IntegrationRef,
    description: "ADMIN: configures the account's one Braze integration; again = update (a FAILING one retries)",
    authScopes: { admin: true },
    args: { input: t.arg({ type: BrazeInputRef, required: true }) },
    resolve: async (_root, args, context) => {
      const account = callerAccount(context);
      const { services } = context;
      const { apiKey, ...settings } = parseArgument(
        brazeInputSchema(services.allowLocalDestinations),
        args.input,
        "input",
      );
      const stored = await services.integrations.configureBraze(
        account,
        settings satisfies BrazeSettings,
        services.secrets.seal(apiKey),
      );
      await backfillIfAsked(args.input.backfill, stored._id, context);
      return stored;
    },
  }),
);
