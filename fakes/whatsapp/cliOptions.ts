import { readFileSync } from "node:fs";
import { z } from "zod";
import {
  DEFAULT_MAX_PER_SECOND,
  DEFAULT_PAIR_WINDOW_MS,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_TOKEN,
  type FakeWhatsAppOptions,
} from "./options.ts";
import { approvedTemplateSchema } from "./templates.ts";

/** One option of `npm run fake:whatsapp`: a `--flag value` (or `--flag=value`) or an environment variable. */
type CliOption = { flag: string; env: string; help: string };

export const CLI_OPTIONS = {
  port: { flag: "--port", env: "FAKE_WHATSAPP_PORT", help: "port to listen on (0: a free one); default 4020" },
  host: { flag: "--host", env: "FAKE_WHATSAPP_HOST", help: "address to listen on; default 127.0.0.1" },
  tokens: {
    flag: "--tokens",
    env: "FAKE_WHATSAPP_TOKENS",
    help: `comma-separated access tokens; default ${DEFAULT_TOKEN}`,
  },
  phoneNumberIds: {
    flag: "--phone-number-ids",
    env: "FAKE_WHATSAPP_PHONE_NUMBER_IDS",
    help: `comma-separated business phone number ids; default ${DEFAULT_PHONE_NUMBER_ID}`,
  },
  templates: {
    flag: "--templates",
    env: "FAKE_WHATSAPP_TEMPLATES",
    help: "a JSON file holding an array of approved templates ({name, language, category?, header?, body})",
  },
  maxPerSecond: {
    flag: "--max-per-second",
    env: "FAKE_WHATSAPP_MAX_PER_SECOND",
    help: `messages per second per phone number id before 130429; default ${DEFAULT_MAX_PER_SECOND}`,
  },
  pairLimit: {
    flag: "--pair-limit",
    env: "FAKE_WHATSAPP_PAIR_LIMIT",
    help: "messages to one user per pair window before 131056; default: no pair limit",
  },
  pairWindowMs: {
    flag: "--pair-window-ms",
    env: "FAKE_WHATSAPP_PAIR_WINDOW_MS",
    help: `the pair limit's rolling window; default ${DEFAULT_PAIR_WINDOW_MS}`,
  },
  rateLimitStatus: {
    flag: "--rate-limit-status",
    env: "FAKE_WHATSAPP_RATE_LIMIT_STATUS",
    help: "HTTP status of 130429/131056 answers, 400 or 429; default 400",
  },
} as const satisfies Record<string, CliOption>;

type CliKey = keyof typeof CLI_OPTIONS;

const list = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== ""),
  )
  .pipe(z.array(z.string().regex(/^\S+$/)).min(1));

const cliSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(4020),
  host: z.string().min(1).optional(),
  tokens: list.optional(),
  phoneNumberIds: list.optional(),
  templates: z.string().min(1).optional(),
  maxPerSecond: z.coerce.number().int().min(1).optional(),
  pairLimit: z.coerce.number().int().min(1).optional(),
  pairWindowMs: z.coerce.number().int().min(1).optional(),
  rateLimitStatus: z
    .enum(["400", "429"])
    .transform((value) => (value === "429" ? 429 : 400))
    .optional(),
});

/**
 * The fake's options from flags (which win) and environment; throws a readable error for bad input.
 * `readText` reads the templates file.
 */
export function parseCliOptions(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  readText: (path: string) => string = (path) => readFileSync(path, "utf8"),
): FakeWhatsAppOptions {
  const raw: Partial<Record<CliKey, string>> = {};
  for (const [name, option] of Object.entries(CLI_OPTIONS) as [CliKey, CliOption][]) {
    const value = flagValue(argv, option.flag) ?? env[option.env];
    if (value !== undefined && value !== "") raw[name] = value;
  }
  const unknown = argv.filter(
    (arg) => arg.startsWith("--") && !Object.values(CLI_OPTIONS).some((o) => arg.split("=")[0] === o.flag),
  );
  if (unknown.length > 0) throw new Error(`unknown option(s): ${unknown.join(", ")}`);
  const parsed = cliSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`).join("\n"));
  }
  const o = parsed.data;
  return {
    port: o.port,
    host: o.host,
    accessTokens: o.tokens,
    phoneNumberIds: o.phoneNumberIds,
    templates: o.templates === undefined ? undefined : readTemplates(o.templates, readText),
    maxPerSecond: o.maxPerSecond,
    pairRateLimit:
      o.pairLimit === undefined
        ? undefined
        : { limit: o.pairLimit, windowMs: o.pairWindowMs ?? DEFAULT_PAIR_WINDOW_MS },
    rateLimitStatus: o.rateLimitStatus,
  };
}

function readTemplates(path: string, readText: (path: string) => string) {
  const parsed = z.array(approvedTemplateSchema).safeParse(JSON.parse(readText(path)));
  if (!parsed.success) {
    throw new Error(
      `templates (${path}): ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return parsed.data;
}

function flagValue(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === flag) return argv[i + 1];
    if (arg?.startsWith(`${flag}=`)) return arg.slice(flag.length + 1);
  }
  return undefined;
}

export function usage(): string {
  const lines = Object.values(CLI_OPTIONS).map((o) => `  ${`${o.flag} (${o.env})`.padEnd(56)} ${o.help}`);
  return `usage: npm run fake:whatsapp -- [options]\n${lines.join("\n")}`;
}
