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
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));

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
