import { jetstreamManager } from "@nats-io/jetstream";
import type { Gateway } from "../gateway/index.ts";
import { type LocalStack, startLocalStack } from "../stack/index.ts";
import {
  connectStore,
  createSecretBox,
  pingStore,
  prepareAudienceNames,
  prepareCampaigns,
  prepareInAppMessages,
  prepareJourneys,
  prepareTemplates,
  repositoriesOf,
} from "../store/index.ts";
import { connectNats, ensureStreams, STREAM_NAMES } from "../streams/index.ts";
import { bootstrapDefaultAccount } from "./bootstrap.ts";
import { resolveMasterKey } from "./masterKey.ts";
import { createProcessRegistry, type ReadinessCheck } from "./operations.ts";
import { type OperationsServer, startOperationsServer } from "./operationsServer.ts";
import type { RoleContext } from "./roles/roleContext.ts";
import type { StartOptions } from "./startOptions.ts";

export type RunningMasivo = {
  /** The GraphQL endpoint, when this process runs the gateway role. */
  graphqlUrl: string | undefined;
  gateway: Gateway | undefined;
  /** The port `/healthz`, `/readyz` and `/metrics` are served on (MASIVO_OPS_PORT, or the one picked for 0). */
  opsPort: number;
  natsUrl: string;
  mongodbUrl: string;
  /** The `default` account's admin key, on the start that created it. */
  bootstrapKey: string | undefined;
  /** Stops at once: requests in flight are cut, work in hand is finished or handed back. */
  stop: () => Promise<void>;
  /**
   * Stops taking work (`/readyz` answers 503, the gateway accepts no connection), lets requests in
   * flight end, and finishes or hands back what is in hand, all within `withinMs`.
   */
  drain: (withinMs: number) => Promise<DrainOutcome>;
};

export type DrainOutcome = "drained" | "timedOut";

/**
 * Starts servers that are not configured, connects, prepares streams and runs the configured roles.
 * A role's modules are loaded only by a process that runs it: a worker carries neither the GraphQL
 * schema nor the other roles' code (docs/architecture.md, "Folders").
 */
export async function startMasivo(options: StartOptions): Promise<RunningMasivo> {
  const { config, log, onServerCrash, now = () => new Date() } = options;
  const cleanup: (() => Promise<void>)[] = [];
  /** Cleared once stopping begins: readiness then says this process takes no new work. */
  let accepting = true;
  /** When draining, the time by which requests in flight must have ended. */
  let drainUntil: number | undefined;
  // Closed last, so that probes are answered (not ready) while the roles stop.
  let operations: OperationsServer | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    accepting = false;
    stopping ??= (async () => {
      for (const step of cleanup.reverse()) await step().catch((error) => log.error({ err: error }, "stop failed"));
      await operations?.close();
    })();
    return stopping;
  };
  const drain = async (withinMs: number): Promise<DrainOutcome> => {
    drainUntil = Date.now() + withinMs;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<DrainOutcome>((resolve) => {
      timer = setTimeout(() => resolve("timedOut"), withinMs);
    });
    try {
      return await Promise.race([stop().then((): DrainOutcome => "drained"), late]);
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    const stack: LocalStack = await startLocalStack({
      natsUrl: config.natsUrl,
      mongodbUrl: config.mongodbUrl,
      dataDir: config.dataDir,
      log: (line) => log.info(line),
      onCrash: onServerCrash,
    });
    cleanup.push(stack.stop);

    const link = await connectNats(stack.natsUrl, "masivo", (line) => log.warn(line));
    cleanup.push(link.close);
    const store = await connectStore(stack.mongodbUrl, {
      onReconnect: (error) =>
        error
          ? log.warn(
              { err: error },
              "the store's client hung; connecting it again failed for now (tried again every few seconds)",
            )
          : log.warn("the store's client hung after an outage; connected it again"),
    });
    cleanup.push(store.close);
    const layout = await ensureStreams(link.nc, config.partitions, config.streamReplicas);
    log.info({ partitions: layout.partitions, replicas: config.streamReplicas }, "streams ready");

    const repositories = repositoriesOf(store, now);
    await prepareTemplates(store.db);
    await prepareJourneys(store.db);
    await prepareCampaigns(store.db);
    for (const { audience, heldBy } of await prepareAudienceNames(store.db)) {
      log.warn(
        { account: audience.account, audience: audience._id, name: audience.name, heldBy: heldBy?._id },
        "this audience shares its name with an older one, which keeps it; rename one of them",
      );
    }
    await prepareInAppMessages(store);
    const bootstrap = config.rootKey
      ? undefined
      : await bootstrapDefaultAccount(repositories.accounts, repositories.apiKeys);
    const masterKey = await resolveMasterKey(config.masterKey, config.dataDir);
    const secrets = createSecretBox(masterKey);

    const registry = createProcessRegistry();
    const jsm = await jetstreamManager(link.nc);
    const readiness: ReadinessCheck[] = [
      { name: "accepting", check: async () => accepting },
      { name: "nats", check: async () => link.isConnected() },
      { name: "mongodb", check: () => pingStore(store) },
      {
        name: "streams",
        check: async () =>
          link.isConnected() &&
          (await Promise.all(Object.values(STREAM_NAMES).map((name) => jsm.streams.info(name)))).length ===
            Object.keys(STREAM_NAMES).length,
      },
    ];

    const context: RoleContext = {
      config,
      log,
      link,
      store,
      partitions: layout.partitions,
      repositories,
      secrets,
      masterKey,
      registry,
      readiness,
      onStop: (step) => cleanup.push(step),
      drainDeadline: () => drainUntil,
      now,
      options,
    };
    const { roles } = config;
    if (roles.includes("customers")) await (await import("./roles/customersRole.ts")).startCustomersRole(context);
    if (roles.includes("destinations"))
      await (await import("./roles/destinationsRole.ts")).startDestinationsRole(context);
    if (roles.includes("audiences")) await (await import("./roles/audiencesRole.ts")).startAudiencesRole(context);
    const served = roles.includes("gateway")
      ? await (await import("./roles/gatewayRole.ts")).startGatewayRole(context)
      : undefined;
    if (roles.includes("channels"))
      await (await import("./roles/channelsRole.ts")).startChannelsRole(context, served?.graphqlUrl);
    if (roles.includes("scheduler")) await (await import("./roles/schedulerRole.ts")).startSchedulerRole(context);

    operations = await startOperationsServer(config.opsPort, { registry, readiness });

    return {
      graphqlUrl: served?.graphqlUrl,
      gateway: served?.gateway,
      opsPort: operations.port,
      natsUrl: stack.natsUrl,
      mongodbUrl: stack.mongodbUrl,
      bootstrapKey: bootstrap?.key,
      stop,
      drain,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
