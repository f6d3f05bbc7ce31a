import { z } from "zod";
import { FACT_KINDS } from "../model/index.ts";
import type { S3ExportSettings } from "../store/index.ts";
import { BACKFILL, backfillIfAsked } from "./backfill.ts";
import { builder } from "./builder.ts";
import { callerAccount } from "./context.ts";
import { badInput, parseArgument } from "./errors.ts";
import { FactKindRef } from "./factKind.ts";
import { IntegrationRef } from "./integration.ts";
import { outboundUrlProblem, type ResolveHost } from "./outboundUrl.ts";

const S3ExportInputRef = builder.inputType("S3ExportInput", {
  description: "The account's S3 export; the secret access key is stored encrypted and never returned",
  fields: (t) => ({
    bucket: t.string({ required: true }),
    region: t.string({ required: true, description: "e.g. eu-west-1 (any value an S3-compatible store takes)" }),
    prefix: t.string({ description: "Key prefix, without leading or trailing slashes; default none" }),
    accessKeyId: t.string({ required: true }),
    secretAccessKey: t.string({ required: true }),
    endpoint: t.string({ description: "An S3-compatible store's https URL; default AWS" }),
    forcePathStyle: t.boolean({ description: "Default false: bucket in the path rather than the host name" }),
    kinds: t.field({ type: [FactKindRef], required: true }),
    rotateSeconds: t.int({ description: "An object spans at most this many seconds of facts; default 300" }),
    rotateBytes: t.int({ description: "An object holds at most this many bytes of NDJSON; default 5 MiB" }),
    enabled: t.boolean({ description: "Default true" }),
    backfill: t.boolean({ description: BACKFILL }),
  }),
});

/** S3's own rule for bucket names (3–63 lowercase letters, digits, dots and hyphens). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9-]{1,32}$/;
const PREFIX_PART = /^[A-Za-z0-9!_.*'()=-]+$/;
const MIB = 1024 * 1024;

/**
 * Why `endpoint` is not an S3 endpoint we may write to, or undefined when it is one: an origin
 * alone (no path, query or credentials) that passes the outbound checks a webhook URL passes
 * (outboundUrl.ts): https to a host whose every address is public, resolved now, and again at each
 * connection by the export's writer; a local store only as `http://127.0.0.1:<port>` with
 * MASIVO_ALLOW_LOCAL_DESTINATIONS=1.
 */
export async function s3EndpointProblem(
  endpoint: string,
  allowLocal: boolean,
  resolve?: ResolveHost,
): Promise<string | undefined> {
  const url = URL.parse(endpoint);
  if (url && (url.pathname !== "/" || url.search || url.hash)) {
    return "must be https://<host>[:<port>], with no path or query";
  }
  return outboundUrlProblem(endpoint, allowLocal, resolve);
}

const s3ExportInputSchema = z.object({
  bucket: z
    .string()
    .trim()
    .regex(BUCKET_NAME, "must be an S3 bucket name: 3–63 lowercase letters, digits, dots, hyphens"),
  region: z.string().trim().regex(REGION, "must be a region name, e.g. eu-west-1"),
  prefix: z
    .string()
    .trim()
    .max(200, "must be at most 200 characters")
    .refine(
      (value) => value === "" || value.split("/").every((part) => PREFIX_PART.test(part)),
      "must be path parts of letters, digits and !_.*'()=- joined by single slashes, no leading or trailing slash",
    )
    .nullish()
    .transform((value) => value ?? ""),
  accessKeyId: z.string().trim().min(1, "must not be empty").max(128, "must be at most 128 characters"),
  secretAccessKey: z.string().trim().min(1, "must not be empty").max(256, "must be at most 256 characters"),
  endpoint: z
    .string()
    .trim()
    .transform((value) => value.replace(/\/+$/, ""))
    .nullish()
    .transform((value) => value ?? undefined),
  forcePathStyle: z
    .boolean()
    .nullish()
    .transform((value) => value ?? false),
  kinds: z
    .array(z.enum(FACT_KINDS))
    .min(1, "must name at least one kind")
    .transform((kinds) => [...new Set(kinds)]),
  rotateSeconds: z
    .number()
    .int()
    .min(10, "must be at least 10")
    .max(86_400, "must be at most 86400 (a day)")
    .nullish()
    .transform((value) => value ?? 300),
  rotateBytes: z
    .number()
    .int()
    .min(64 * 1024, "must be at least 65536")
    .max(1024 * MIB, "must be at most 1 GiB")
    .nullish()
    .transform((value) => value ?? 5 * MIB),
  enabled: z
    .boolean()
    .nullish()
    .transform((value) => value ?? true),
});

builder.mutationField("configureS3Export", (t) =>
  t.field({
    type: IntegrationRef,
    description: "ADMIN: configures the account's one S3 export; again = update (a FAILING one retries)",
    authScopes: { admin: true },
    args: { input: t.arg({ type: S3ExportInputRef, required: true }) },
    resolve: async (_root, args, context) => {
      const account = callerAccount(context);
      const { services } = context;
      const { secretAccessKey, endpoint, ...rest } = parseArgument(s3ExportInputSchema, args.input, "input");
      const problem = endpoint ? await s3EndpointProblem(endpoint, services.allowLocalDestinations) : undefined;
      if (problem) throw badInput([{ field: "input.endpoint", message: problem }]);
      const settings: S3ExportSettings = { ...rest, ...(endpoint ? { endpoint } : {}) };
      const stored = await services.integrations.configureS3Export(
        account,
        settings,
        services.secrets.seal(secretAccessKey),
      );
      await backfillIfAsked(args.input.backfill, stored._id, context);
      return stored;
    },
  }),
);
