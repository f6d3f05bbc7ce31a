import { readFileSync } from "node:fs";
import { z } from "zod";
import type { FakeApnsOptions } from "./apnsOptions.ts";
import { type CliOption, commaList, parseCli } from "./cli.ts";

export const APNS_CLI_OPTIONS = {
  port: { flag: "--port", env: "FAKE_APNS_PORT", help: "HTTP/2 (h2c) port (0: a free one); default 4030" },
  controlPort: {
    flag: "--control-port",
    env: "FAKE_APNS_CONTROL_PORT",
    help: "HTTP/1.1 port of /__fake/ (0: a free one); default 4031",
  },
  host: { flag: "--host", env: "FAKE_APNS_HOST", help: "address to listen on; default 127.0.0.1" },
  teamId: { flag: "--team-id", env: "FAKE_APNS_TEAM_ID", help: "Team ID (with --key-id and --public-key-file)" },
  keyId: { flag: "--key-id", env: "FAKE_APNS_KEY_ID", help: "Key ID of the provider key" },
  publicKeyFile: {
    flag: "--public-key-file",
    env: "FAKE_APNS_PUBLIC_KEY_FILE",
    help: "SPKI PEM file of its P-256 public key; default: a generated key, see /__fake/credentials",
  },
  topics: { flag: "--topics", env: "FAKE_APNS_TOPICS", help: "comma-separated bundle ids allowed; default any" },
  devicePerMinute: {
    flag: "--device-per-minute",
    env: "FAKE_APNS_DEVICE_PER_MINUTE",
    help: "notifications per device token per minute; default 100",
  },
  perSecond: {
    flag: "--per-second",
    env: "FAKE_APNS_PER_SECOND",
    help: "notifications per second in all; default none",
  },
  unregistered: {
    flag: "--unregistered",
    env: "FAKE_APNS_UNREGISTERED",
    help: "comma-separated device tokens answered 410 Unregistered",
  },
} as const satisfies Record<string, CliOption>;

const schema = z
  .object({
    port: z.coerce.number().int().min(0).max(65535).default(4030),
    controlPort: z.coerce.number().int().min(0).max(65535).default(4031),
    host: z.string().min(1).optional(),
    teamId: z.string().min(1).optional(),
    keyId: z.string().min(1).optional(),
    publicKeyFile: z.string().min(1).optional(),
    topics: z.string().transform(commaList).optional(),
    devicePerMinute: z.coerce.number().int().min(1).optional(),
    perSecond: z.coerce.number().int().min(1).optional(),
    unregistered: z.string().transform(commaList).optional(),
  })
  .refine((o) => new Set([o.teamId, o.keyId, o.publicKeyFile].map((v) => v === undefined)).size === 1, {
    message: "--team-id, --key-id and --public-key-file go together",
    path: ["publicKeyFile"],
  });

export function parseApnsCli(argv: readonly string[], env: Record<string, string | undefined>): FakeApnsOptions {
  const o = parseCli(argv, env, APNS_CLI_OPTIONS, schema);
  return {
    port: o.port,
    controlPort: o.controlPort,
    host: o.host,
    signingKey:
      o.teamId === undefined || o.keyId === undefined || o.publicKeyFile === undefined
        ? undefined
        : { teamId: o.teamId, keyId: o.keyId, publicKey: readFileSync(o.publicKeyFile, "utf8") },
    topics: o.topics,
    deviceRateLimit: o.devicePerMinute === undefined ? undefined : { limit: o.devicePerMinute, windowMs: 60_000 },
    rateLimit: o.perSecond === undefined ? undefined : { limit: o.perSecond, windowMs: 1000 },
    unregisteredTokens: o.unregistered,
  };
}
