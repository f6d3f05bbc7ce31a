import { createLogger, exitOnUnhandledErrors, startMasivo } from "./app/index.ts";
import { type Config, ConfigError, loadConfig } from "./config/index.ts";
import { MissingToolError } from "./stack/index.ts";

/** `npm start`: runs Masivo with the roles of MASIVO_ROLES, starting local servers when none are configured. */
async function main() {
  const config = configOrExit();
  const log = createLogger(config.logLevel);
  exitOnUnhandledErrors(log);

  let stopping = false;
  let running: Awaited<ReturnType<typeof startMasivo>> | undefined;
  /** Never rejects: a stop that fails is logged and ends the process with 1. */
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping");
    try {
      await running?.stop();
    } catch (error) {
      log.error({ err: error }, "stopping failed");
      process.exit(1);
    }
    process.exit(code);
  };
  /**
   * SIGTERM and Ctrl-C: stop taking work, finish or hand back what is in hand, within
   * MASIVO_DRAIN_SECONDS. Never rejects: a drain that fails or runs out of time ends the process with 1.
   */
  const drain = async () => {
    // A second signal (Ctrl-C again) gives up waiting.
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ drainSeconds: config.drainSeconds }, "draining");
    try {
      if ((await running?.drain(config.drainSeconds * 1_000)) === "timedOut") {
        log.error({ drainSeconds: config.drainSeconds }, "drain did not finish in time; exiting with work in hand");
        process.exit(1);
      }
    } catch (error) {
      log.error({ err: error }, "draining failed");
      process.exit(1);
    }
    log.info("drained");
    process.exit(0);
  };
  process.on("SIGINT", () => void drain());
  process.on("SIGTERM", () => void drain());

  try {
    running = await startMasivo({
      config,
      log,
      onServerCrash: (error) => {
        log.fatal(error.message);
        void shutdown(1);
      },
    });
  } catch (error) {
    if (error instanceof MissingToolError) {
      console.error(error.message);
      process.exit(2);
    }
    log.fatal({ err: error }, "start failed");
    process.exit(1);
  }

  const lines = [
    `Masivo is running (roles: ${config.roles.join(", ")})`,
    running.graphqlUrl ? `  GraphQL:  ${running.graphqlUrl}  (GraphiQL in a browser)` : undefined,
    `  Health:   http://localhost:${running.opsPort}/readyz  (and /healthz, /metrics)`,
    `  NATS:     ${running.natsUrl}`,
    `  MongoDB:  ${running.mongodbUrl}`,
    running.bootstrapKey
      ? `  Account "default" created. Its ADMIN key (shown only now):\n    ${running.bootstrapKey}`
      : undefined,
    "Press Ctrl-C to stop.",
  ];
  console.log(lines.filter(Boolean).join("\n"));
}

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

await main();
