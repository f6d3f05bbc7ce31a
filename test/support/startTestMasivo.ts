import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { inject } from "vitest";
import { createLogger } from "../../app/logger.ts";
import { type RunningMasivo, startMasivo } from "../../app/startMasivo.ts";
import type { StartOptions } from "../../app/startOptions.ts";
import { loadConfig } from "../../config/config.ts";
import { isolatedMongoUrl, uniqueId } from "./world.ts";

/** The whole program on a free port, against the shared servers (or the given ones), with a database of its own. */
export async function startTestMasivo(
  env: Record<string, string> = {},
  options: Pick<
    StartOptions,
    "now" | "sweepTickMs" | "brazeSync" | "destinationTime" | "channelTuning" | "timerSweepGraceMs"
  > = {},
): Promise<RunningMasivo & { baseUrl: string }> {
  const config = loadConfig({
    PORT: "0",
    MASIVO_OPS_PORT: "0",
    NATS_URL: inject("natsUrl"),
    MONGODB_URL: isolatedMongoUrl(uniqueId("db")),
    MASIVO_DATA_DIR: await mkdtemp(join(inject("privateServersDir"), "app-")),
    MASIVO_LOG_LEVEL: "silent",
    ...env,
  });
  const running = await startMasivo({ config, log: createLogger(config.logLevel), ...options });
  const baseUrl = (running.graphqlUrl ?? "").replace(/\/graphql$/, "");
  return { ...running, baseUrl };
}

export async function postGraphQL(
  baseUrl: string,
  key: string | undefined,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: unknown;
      errors?: { message: string; extensions?: { code?: string; [name: string]: unknown } }[];
    },
  };
}
