import { z } from "zod";
import {
  BatchMode,
  DEFAULT_KEY,
  DEFAULT_RATE_LIMITS,
  type FakeBrazeKey,
  type FakeBrazeOptions,
  ResetHeaderForm,
} from "./options.ts";

/** One option of `npm run fake:braze`: a `--flag value` (or `--flag=value`) or an environment variable. */
type CliOption = { flag: string; env: string; help: string };

export const CLI_OPTIONS = {
  port: { flag: "--port", env: "FAKE_BRAZE_PORT", help: "port to listen on (0: a free one); default 4010" },
  host: { flag: "--host", env: "FAKE_BRAZE_HOST", help: "address to listen on; default 127.0.0.1" },
  keys: {
    flag: "--keys",
    env: "FAKE_BRAZE_KEYS",
    help: `comma-separated REST keys, each optionally key@cluster; default ${DEFAULT_KEY}`,
  },
  cluster: {
    flag: "--cluster",
    env: "FAKE_BRAZE_CLUSTER",
    help: "cluster (iad-01) or host (rest.iad-01.braze.com) binding keys without their own; default: any Host",
  },
  batchMode: {
    flag: "--batch-mode",
    env: "FAKE_BRAZE_BATCH_MODE",
    help: "COMBINED (75 in all) or PER_TYPE (75 per array)",
  },
  trackLimit: {
    flag: "--track-limit",
    env: "FAKE_BRAZE_TRACK_LIMIT",
    help: "/users/track calls per window; default 3000",
  },
  trackWindowMs: {
    flag: "--track-window-ms",
    env: "FAKE_BRAZE_TRACK_WINDOW_MS",
    help: "its rolling window; default 3000",
  },
  usersLimit: {
    flag: "--users-limit",
    env: "FAKE_BRAZE_USERS_LIMIT",
    help: "delete/merge/identify calls per window, shared; default 20000",
  },
  usersWindowMs: {
    flag: "--users-window-ms",
    env: "FAKE_BRAZE_USERS_WINDOW_MS",
    help: "its rolling window; default 60000",
  },
  resetHeader: {
    flag: "--reset-header",
    env: "FAKE_BRAZE_RESET_HEADER",
    help: "x-ratelimit-reset as epoch or delta seconds",
  },
  arrayCap: { flag: "--array-cap", env: "FAKE_BRAZE_ARRAY_CAP", help: "elements kept per array attribute; default 25" },
  countDuplicates: {
    flag: "--count-duplicates",
    env: "FAKE_BRAZE_COUNT_DUPLICATES",
    help: "1 or true: /__fake/stats counts objects identical to one received before; default 0",
  },
  keepObjects: {
    flag: "--keep-objects",
    env: "FAKE_BRAZE_KEEP_OBJECTS",
    help: "0 or false: events and purchases are counted, not kept for inspection; default 1",
  },
} as const satisfies Record<string, CliOption>;

type CliKey = keyof typeof CLI_OPTIONS;

const count = (min: number) => z.coerce.number().int().min(min).optional();
const flag = z
  .enum(["1", "0", "true", "false"])
  .transform((value) => value === "1" || value === "true")
  .optional();

const cliSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(4010),
  host: z.string().min(1).optional(),
  keys: z
    .string()
    .transform((value) =>
      value
        .split(",")
        .map((key) => key.trim())
        .filter((key) => key !== ""),
    )
    .pipe(z.array(z.string().regex(/^[^@\s]+(@[a-z0-9.-]+)?$/i, "keys look like key or key@cluster")).min(1))
    .optional(),
  cluster: z.string().min(1).optional(),
  batchMode: z
    .string()
    .transform((value) => (value.toUpperCase() === "LEGACY" ? "PER_TYPE" : value.toUpperCase()))
    .pipe(z.enum([BatchMode.COMBINED, BatchMode.PER_TYPE]))
    .optional(),
  trackLimit: count(1),
  trackWindowMs: count(1),
  usersLimit: count(1),
  usersWindowMs: count(1),
  resetHeader: z.enum([ResetHeaderForm.EPOCH, ResetHeaderForm.DELTA]).optional(),
  arrayCap: count(1),
  countDuplicates: flag,
  keepObjects: flag,
});

/** The fake's options from flags (which win) and environment; throws a readable error for bad input. */
export function parseCliOptions(argv: readonly string[], env: Record<string, string | undefined>): FakeBrazeOptions {
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
  const keys: FakeBrazeKey[] = (o.keys ?? [DEFAULT_KEY]).map((entry) => {
    const [key = entry, cluster = o.cluster] = entry.split("@");
    return cluster === undefined ? { key } : { key, cluster };
  });
  return {
    port: o.port,
    host: o.host,
    keys,
    batchMode: o.batchMode,
    rateLimits: {
      track: {
        limit: o.trackLimit ?? DEFAULT_RATE_LIMITS.track.limit,
        windowMs: o.trackWindowMs ?? DEFAULT_RATE_LIMITS.track.windowMs,
      },
      usersManagement: {
        limit: o.usersLimit ?? DEFAULT_RATE_LIMITS.usersManagement.limit,
        windowMs: o.usersWindowMs ?? DEFAULT_RATE_LIMITS.usersManagement.windowMs,
      },
    },
    resetHeader: o.resetHeader,
    arrayCap: o.arrayCap,
    countDuplicates: o.countDuplicates,
    keepObjects: o.keepObjects,
  };
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
  const lines = Object.values(CLI_OPTIONS).map((o) => `  ${`${o.flag} (${o.env})`.padEnd(48)} ${o.help}`);
  return `usage: npm run fake:braze -- [options]\n${lines.join("\n")}`;
}
