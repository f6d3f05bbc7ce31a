import { z } from "zod";

/** Roles one process can run; `all` expands to every one of them. */
export const ROLES = ["gateway", "customers", "audiences", "destinations", "channels", "scheduler"] as const;
export type Role = (typeof ROLES)[number];

const roleList = z
  .string()
  .trim()
  .transform((value, ctx): Role[] => {
    if (value === "all") return [...ROLES];
    const names = value
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name !== "");
    const unknown = names.filter((name) => !(ROLES as readonly string[]).includes(name));
    if (names.length === 0 || unknown.length > 0) {
      ctx.addIssue({
        code: "custom",
        message: `unknown role(s) ${unknown.map((n) => `"${n}"`).join(", ") || "(none given)"}; use "all" or a comma-separated list of ${ROLES.join(", ")}`,
      });
      return z.NEVER;
    }
    return [...new Set(names as Role[])];
  });

const url = (schemes: string[]) =>
  z
    .string()
    .trim()
    .refine((value) => schemes.some((scheme) => value.startsWith(`${scheme}://`)), {
      message: `must start with ${schemes.map((s) => `${s}://`).join(" or ")}`,
    });

const flag = z.enum(["1", "0", "true", "false"]).transform((value) => value === "1" || value === "true");

/** The environment as docs/configuration.md documents it; unset variables take their defaults. */
const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  MASIVO_OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  MASIVO_DRAIN_SECONDS: z.coerce.number().int().min(1).max(3600).default(25),
  NATS_URL: url(["nats", "tls", "ws", "wss"]).optional(),
  MONGODB_URL: url(["mongodb", "mongodb+srv"]).optional(),
  MASIVO_DATA_DIR: z.string().trim().min(1).default(".data"),
  MASIVO_ROOT_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  MASIVO_ROLES: roleList.default([...ROLES]),
  MASIVO_ALLOW_LOCAL_DESTINATIONS: flag.default(false),
  MASIVO_MASTER_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  MASIVO_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(32),
  // JetStream's own bound: a stream keeps at most 5 replicas.
  MASIVO_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  MASIVO_BRAZE_TRACK_LIMIT: z.coerce.number().int().min(1).max(1_000_000).optional(),
  MASIVO_BRAZE_RETRY_MAX_SECONDS: z.coerce.number().int().min(1).max(3600).optional(),
  MASIVO_BRAZE_PLANNING_THREAD: z
    .enum(["auto", "1", "0", "true", "false"])
    .default("auto")
    .transform((value) => (value === "auto" ? undefined : value === "1" || value === "true")),
  MASIVO_CHANNEL_TAKEOVER_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  MASIVO_TIMER_SWEEP_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  MASIVO_CAMPAIGN_SWEEP_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  MASIVO_PUBLIC_URL: url(["http", "https"])
    .transform((value) => value.replace(/\/+$/, ""))
    .optional(),
  MASIVO_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

/** Every variable the configuration reads, so deployments can be checked to set only these. */
export const ENVIRONMENT_VARIABLES = Object.keys(environmentSchema.shape);

export type Config = {
  port: number;
  /** `/healthz`, `/readyz` and `/metrics` on every process, whatever its roles; 0 picks a free port. */
  opsPort: number;
  /** How long SIGTERM may take to stop taking work and finish or hand back what is in hand. */
  drainSeconds: number;
  natsUrl: string | undefined;
  mongodbUrl: string | undefined;
  dataDir: string;
  rootKey: string | undefined;
  roles: Role[];
  allowLocalDestinations: boolean;
  masterKey: string | undefined;
  /** Partitions of INGEST when the streams are first created; existing streams keep theirs. */
  partitions: number;
  /**
   * Copies JetStream keeps of every stream, each on its own server: 1 on a single server, 3 on a
   * cluster of 3 or more (survives one lost server). Existing streams are brought to it at start-up.
   */
  streamReplicas: number;
  /**
   * `/users/track` calls per rolling 3 s that each Braze account (endpoint and key) allows;
   * undefined: Braze's default, which the Braze provider's limits hold.
   */
  brazeTrackLimit: number | undefined;
  /**
   * The longest wait between two tries of a Braze call after a server error or no answer; undefined:
   * the Braze provider's (60 s). Shorter resumes sooner after an outage, at the cost of more calls during it.
   */
  brazeRetryMaxSeconds: number | undefined;
  /** Braze windows are planned on a thread of their own; undefined: when the machine has more than two cores. */
  brazePlanningThread: boolean | undefined;
  /**
   * How long a send a `channels` worker took stays its own without news: the worker keeps it
   * alive while it sends; once this passes (the worker died), another worker takes it over.
   */
  channelTakeoverSeconds: number;
  /** How often each customers worker wakes its customers whose alarm was lost (overdue deadlines). */
  timerSweepSeconds: number;
  /** How often the `scheduler` role looks for campaigns due or left by a runner that died. */
  campaignSweepSeconds: number;
  /**
   * Where customers reach the gateway from outside (unsubscribe links in email); undefined:
   * `http://127.0.0.1:<PORT>`, fit for local runs only.
   */
  publicUrl: string | undefined;
  logLevel: z.infer<typeof environmentSchema>["MASIVO_LOG_LEVEL"];
};

/** A bad environment variable; the message names it and says what is expected. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly variables: string[];
  constructor(problems: { variable: string; message: string }[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n")}`);
    this.variables = problems.map((p) => p.variable);
  }
}

/** Reads and validates the configuration; empty variables count as unset. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? "environment"),
        message: issue.message,
      })),
    );
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    opsPort: e.MASIVO_OPS_PORT,
    drainSeconds: e.MASIVO_DRAIN_SECONDS,
    natsUrl: e.NATS_URL,
    mongodbUrl: e.MONGODB_URL,
    dataDir: e.MASIVO_DATA_DIR,
    rootKey: e.MASIVO_ROOT_KEY,
    roles: e.MASIVO_ROLES,
    allowLocalDestinations: e.MASIVO_ALLOW_LOCAL_DESTINATIONS,
    masterKey: e.MASIVO_MASTER_KEY,
    partitions: e.MASIVO_PARTITIONS,
    streamReplicas: e.MASIVO_STREAM_REPLICAS,
    brazeTrackLimit: e.MASIVO_BRAZE_TRACK_LIMIT,
    brazeRetryMaxSeconds: e.MASIVO_BRAZE_RETRY_MAX_SECONDS,
    brazePlanningThread: e.MASIVO_BRAZE_PLANNING_THREAD,
    channelTakeoverSeconds: e.MASIVO_CHANNEL_TAKEOVER_SECONDS,
    timerSweepSeconds: e.MASIVO_TIMER_SWEEP_SECONDS,
    campaignSweepSeconds: e.MASIVO_CAMPAIGN_SWEEP_SECONDS,
    publicUrl: e.MASIVO_PUBLIC_URL,
    logLevel: e.MASIVO_LOG_LEVEL,
  };
}
