import { z } from "zod";
import { DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_PASSWORD, DEFAULT_USERNAME, type FakeSmtpOptions } from "./options.ts";

/** One option of `npm run fake:smtp`: a `--flag value` (or `--flag=value`) or an environment variable. */
type CliOption = { flag: string; env: string; help: string };

export const CLI_OPTIONS = {
  port: { flag: "--port", env: "FAKE_SMTP_PORT", help: "SMTP port (0: a free one); default 1025" },
  controlPort: {
    flag: "--control-port",
    env: "FAKE_SMTP_CONTROL_PORT",
    help: "HTTP port of /__fake/ (0: a free one); default 1080",
  },
  host: { flag: "--host", env: "FAKE_SMTP_HOST", help: "address to listen on; default 127.0.0.1" },
  username: { flag: "--username", env: "FAKE_SMTP_USERNAME", help: `AUTH username; default ${DEFAULT_USERNAME}` },
  password: { flag: "--password", env: "FAKE_SMTP_PASSWORD", help: `AUTH password; default ${DEFAULT_PASSWORD}` },
  maxMessageSize: {
    flag: "--max-message-size",
    env: "FAKE_SMTP_MAX_MESSAGE_SIZE",
    help: `largest message in bytes (552 above); default ${DEFAULT_MAX_MESSAGE_SIZE}`,
  },
  rateLimit: {
    flag: "--rate-limit",
    env: "FAKE_SMTP_RATE_LIMIT",
    help: "messages per window (451 4.7.0 above); default: none",
  },
  rateWindowMs: {
    flag: "--rate-window-ms",
    env: "FAKE_SMTP_RATE_WINDOW_MS",
    help: "its rolling window; default 1000",
  },
} as const satisfies Record<string, CliOption>;

type CliKey = keyof typeof CLI_OPTIONS;

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const count = z.coerce.number().int().min(1).optional();

const cliSchema = z.object({
  port: port(1025),
  controlPort: port(1080),
  host: z.string().min(1).optional(),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  maxMessageSize: count,
  rateLimit: count,
  rateWindowMs: z.coerce.number().int().min(1).default(1000),
});

/** The fake's options from flags (which win) and environment; throws a readable error for bad input. */
export function parseCliOptions(argv: readonly string[], env: Record<string, string | undefined>): FakeSmtpOptions {
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
    controlPort: o.controlPort,
    host: o.host,
    username: o.username,
    password: o.password,
    maxMessageSize: o.maxMessageSize,
    rateLimit: o.rateLimit === undefined ? undefined : { messages: o.rateLimit, windowMs: o.rateWindowMs },
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
  const lines = Object.values(CLI_OPTIONS).map((o) => `  ${`${o.flag} (${o.env})`.padEnd(52)} ${o.help}`);
  return `usage: npm run fake:smtp -- [options]\n${lines.join("\n")}`;
}
