import type { z } from "zod";

/** One command-line option: a `--flag value` (or `--flag=value`) or an environment variable. */
export type CliOption = { flag: string; env: string; help: string };

/**
 * Options from flags (which win) and environment, checked by `schema`; throws a readable error
 * for unknown flags and bad values.
 */
export function parseCli<S extends z.ZodType>(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  options: Record<string, CliOption>,
  schema: S,
): z.output<S> {
  const unknown = argv.filter(
    (arg) => arg.startsWith("--") && !Object.values(options).some((o) => arg.split("=")[0] === o.flag),
  );
  if (unknown.length > 0) throw new Error(`unknown option(s): ${unknown.join(", ")}`);
  const raw: Record<string, string> = {};
  for (const [name, option] of Object.entries(options)) {
    const value = flagValue(argv, option.flag) ?? env[option.env];
    if (value !== undefined && value !== "") raw[name] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("\n"));
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

export function usage(command: string, options: Record<string, CliOption>): string {
  const lines = Object.values(options).map((o) => `  ${`${o.flag} (${o.env})`.padEnd(52)} ${o.help}`);
  return `usage: ${command} -- [options]\n${lines.join("\n")}`;
}

/** A comma-separated list, blanks dropped. */
export const commaList = (value: string): string[] =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

/** Runs a fake from the command line: --help, parse errors (exit 2), and Ctrl-C closing it. */
export async function runCli<O, F extends { close(): Promise<void> }>(spec: {
  name: string;
  command: string;
  options: Record<string, CliOption>;
  parse: (argv: readonly string[], env: Record<string, string | undefined>) => O;
  start: (options: O) => Promise<F>;
  describe: (fake: F, options: O) => string[];
}): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(usage(spec.command, spec.options));
    process.exit(0);
  }
  let options: O;
  try {
    options = spec.parse(argv, process.env);
  } catch (error) {
    console.error(
      `${spec.name}: ${error instanceof Error ? error.message : String(error)}\n\n${usage(spec.command, spec.options)}`,
    );
    process.exit(2);
  }
  const fake = await spec.start(options);
  for (const line of spec.describe(fake, options)) console.log(line);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void fake.close().then(() => process.exit(0));
    });
  }
}
