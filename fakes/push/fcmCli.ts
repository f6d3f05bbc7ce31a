import { readFileSync } from "node:fs";
import { z } from "zod";
import { type CliOption, commaList, parseCli } from "./cli.ts";
import { DEFAULT_FCM_RATE_LIMIT, type FakeFcmOptions } from "./fcmOptions.ts";

export const FCM_CLI_OPTIONS = {
  port: { flag: "--port", env: "FAKE_FCM_PORT", help: "port to listen on (0: a free one); default 4020" },
  host: { flag: "--host", env: "FAKE_FCM_HOST", help: "address to listen on; default 127.0.0.1" },
  project: { flag: "--project", env: "FAKE_FCM_PROJECT", help: "Firebase project id; default fake-project" },
  clientEmail: {
    flag: "--client-email",
    env: "FAKE_FCM_CLIENT_EMAIL",
    help: "service account to trust (with --public-key-file); default: a generated one",
  },
  publicKeyFile: {
    flag: "--public-key-file",
    env: "FAKE_FCM_PUBLIC_KEY_FILE",
    help: "SPKI PEM file of that account's RSA public key",
  },
  serviceAccountFile: {
    flag: "--service-account-file",
    env: "FAKE_FCM_SERVICE_ACCOUNT_FILE",
    help: "write the generated service-account JSON here for a client to load",
  },
  messagesPerMinute: {
    flag: "--messages-per-minute",
    env: "FAKE_FCM_MESSAGES_PER_MINUTE",
    help: `project quota; default ${DEFAULT_FCM_RATE_LIMIT.limit}`,
  },
  unregistered: {
    flag: "--unregistered",
    env: "FAKE_FCM_UNREGISTERED",
    help: "comma-separated registration tokens answered UNREGISTERED",
  },
} as const satisfies Record<string, CliOption>;

const schema = z
  .object({
    port: z.coerce.number().int().min(0).max(65535).default(4020),
    host: z.string().min(1).optional(),
    project: z
      .string()
      .regex(/^[a-z0-9-]+$/, "a project id such as my-project")
      .optional(),
    clientEmail: z.string().min(1).optional(),
    publicKeyFile: z.string().min(1).optional(),
    serviceAccountFile: z.string().min(1).optional(),
    messagesPerMinute: z.coerce.number().int().min(1).optional(),
    unregistered: z.string().transform(commaList).optional(),
  })
  .refine((o) => (o.clientEmail === undefined) === (o.publicKeyFile === undefined), {
    message: "--client-email and --public-key-file go together",
    path: ["publicKeyFile"],
  });

export type FcmCliOptions = FakeFcmOptions & { serviceAccountFile: string | undefined };

export function parseFcmCli(argv: readonly string[], env: Record<string, string | undefined>): FcmCliOptions {
  const o = parseCli(argv, env, FCM_CLI_OPTIONS, schema);
  return {
    port: o.port,
    host: o.host,
    projectId: o.project,
    serviceAccount:
      o.clientEmail === undefined || o.publicKeyFile === undefined
        ? undefined
        : { clientEmail: o.clientEmail, publicKey: readFileSync(o.publicKeyFile, "utf8") },
    rateLimit: o.messagesPerMinute === undefined ? undefined : { limit: o.messagesPerMinute, windowMs: 60_000 },
    unregisteredTokens: o.unregistered,
    serviceAccountFile: o.serviceAccountFile,
  };
}
