import type { AddressInfo } from "node:net";
import { jetstreamManager } from "@nats-io/jetstream";
import {
  createAudienceOperations,
  createRunFinisher,
  openAudienceCatalogWriter,
  startAudienceWorker,
  watchAudienceCatalog,
} from "../actors/audience/index.ts";
import {
  type CampaignSchedulerOptions,
  createCampaignOperations,
  startCampaignScheduler,
} from "../actors/campaign/index.ts";
import { type ChannelWorkerOptions, sendTopicMessage, startChannelWorker } from "../actors/channel/index.ts";
import { startCustomerWorker } from "../actors/customer/index.ts";
import { destinationProviders, startDestinationWorker, type TuningChanges } from "../actors/destination/index.ts";
import {
  broadcastMessagingSettings,
  createJourneyOperations,
  openJourneyCatalog,
  openJourneyCatalogWriter,
  republishJourneyCatalog,
  startJourneyStatsTracker,
} from "../actors/journey/index.ts";
import type { Config } from "../config/index.ts";
import {
  countingPublisher,
  createGateway,
  createGatewayMetrics,
  createGatewayServer,
  createProcessRegistry,
  type Gateway,
  inAppMessagesReceivedOf,
  type ReadinessCheck,
  startAuthentication,
} from "../gateway/index.ts";
import { deriveUnsubscribeKey } from "../model/index.ts";
import type { Services } from "../schema/index.ts";
import { type LocalStack, type ServerCrashedError, startLocalStack } from "../stack/index.ts";
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
import {
  connectNats,
  createCampaignAlarms,
  createCommandPublisher,
  createCommandResender,
  ensureStreams,
  STREAM_NAMES,
} from "../streams/index.ts";
import { bootstrapDefaultAccount } from "./bootstrap.ts";
import type { Logger } from "./logger.ts";
import { resolveMasterKey } from "./masterKey.ts";
import { type OperationsServer, startOperationsServer } from "./operationsServer.ts";
import { customerMetrics, destinationMetrics } from "./roleMetrics.ts";

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

export type StartOptions = {
  config: Config;
  log: Logger;
  /** Called when a local server this process started dies. */
  onServerCrash?: (error: ServerCrashedError) => void;
  /** The clock rules and runs are evaluated against (tests move it). */
  now?: () => Date;
  /** How often the `audiences` role looks for due sweeps. */
  sweepTickMs?: number;
  /** Tuning of Braze syncs (the Braze provider's limits unless given). */
  brazeSync?: TuningChanges;
  /** The clock and the waits of the `destinations` role (tests run them faster). */
  destinationTime?: { now: () => number; sleep: (ms: number, signal: AbortSignal) => Promise<void> };
  /** Tuning of the `channels` role (tests, benchmarks): batch sizes, how often settings are read again. */
  channelTuning?: Pick<ChannelWorkerOptions, "batchSize" | "concurrency" | "settingsRefreshMs" | "apnsEndpoint">;
  /** How late a deadline is before the timer sweep wakes its customer (default 30 s). */
  timerSweepGraceMs?: number;
  /** Tuning of the `scheduler` role (tests, benchmarks): leases, pages, requests in flight. */
  campaignTuning?: Pick<CampaignSchedulerOptions, "leaseMs" | "concurrency" | "tuning">;
};

/** Starts servers that are not configured, connects, prepares streams and runs the configured roles. */
export async function startMasivo({
  config,
  log,
  onServerCrash,
  now = () => new Date(),
  sweepTickMs,
  brazeSync,
  destinationTime,
  channelTuning,
  timerSweepGraceMs,
  campaignTuning,
}: StartOptions): Promise<RunningMasivo> {
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

    if (config.roles.includes("customers")) {
      const catalog = await watchAudienceCatalog(link.nc, log);
      cleanup.push(catalog.stop);
      const journeys = await openJourneyCatalog(link.nc, log);
      cleanup.push(journeys.stop);
      const metrics = customerMetrics(registry);
      const worker = await startCustomerWorker({
        link,
        store,
        partitions: layout.partitions,
        log,
        now,
        audiencesOf: catalog.rulesOf,
        pushTopicsOf: catalog.pushTopicsOf,
        // A command sent after a journey change is decided with it, as after an audience change.
        audiencesCaughtUp: async () => {
          await Promise.all([catalog.caughtUp(), journeys.caughtUp()]);
        },
        journeysOf: (account) => ({
          live: journeys.liveJourneys(account),
          version: (journeyId, version) => journeys.version(account, journeyId, version),
          status: (journeyId) => journeys.status(account, journeyId),
          name: (journeyId) => journeys.name(account, journeyId),
          messaging: journeys.messaging(account),
        }),
        timerSweepSeconds: config.timerSweepSeconds,
        timerSweepGraceMs,
        observer: metrics.observer,
      });
      cleanup.push(worker.stop);
      metrics.watch(worker);
      readiness.push({ name: "customers.partitionLeases", check: async () => worker.leases.renewing() });
    }

    if (config.roles.includes("destinations")) {
      const metrics = destinationMetrics(registry);
      const worker = await startDestinationWorker({
        link,
        store,
        secrets,
        commands: createCommandPublisher({ link, partitions: layout.partitions }),
        log,
        providers: destinationProviders({ allowLocalDestinations: config.allowLocalDestinations }),
        tuning: {
          braze: {
            ...(config.brazePlanningThread === undefined ? {} : { planOnThread: config.brazePlanningThread }),
            ...(config.brazeTrackLimit === undefined ? {} : { callsPerWindow: config.brazeTrackLimit }),
            ...(config.brazeRetryMaxSeconds === undefined
              ? {}
              : { backoff: { maxMs: config.brazeRetryMaxSeconds * 1_000 } }),
            ...brazeSync,
          },
        },
        ...destinationTime,
        onCallAnswered: metrics.onCallAnswered,
      });
      cleanup.push(worker.stop);
      metrics.watch(worker);
      readiness.push({ name: "destinations.integrationSyncs", check: async () => worker.current() });
    }

    if (config.roles.includes("audiences")) {
      const worker = await startAudienceWorker({ link, store, partitions: layout.partitions, log, now, sweepTickMs });
      cleanup.push(worker.stop);
      await republishJourneyCatalog({
        journeys: repositories.journeys,
        messagingSettings: repositories.messagingSettings,
        catalog: await openJourneyCatalogWriter(link.nc),
        log,
      });
      // Journeys' counters are kept beside audiences' sizes: both follow CHANGES in order.
      const journeyStats = await startJourneyStatsTracker({
        link,
        journeys: repositories.journeys,
        stats: repositories.journeyStats,
        log,
      });
      cleanup.push(journeyStats.stop);
      readiness.push({ name: "audiences.consumers", check: worker.consuming });
    }

    let graphqlUrl: string | undefined;
    let gateway: Gateway | undefined;
    if (config.roles.includes("gateway")) {
      const metrics = createGatewayMetrics(registry);
      const { audiences, audienceRuns, audienceMembers } = repositories;
      const catalog = await openAudienceCatalogWriter(link.nc);
      const journeyCatalog = await openJourneyCatalogWriter(link.nc);
      const publisher = countingPublisher(createCommandPublisher({ link, partitions: layout.partitions }), metrics);
      const services: Services = {
        ...repositories,
        publisher,
        resender: createCommandResender(link),
        audienceOperations: createAudienceOperations({
          link,
          audiences,
          runs: audienceRuns,
          members: audienceMembers,
          catalog,
          commands: publisher,
          finishRun: createRunFinisher({ audiences, runs: audienceRuns, members: audienceMembers, catalog, log }),
          now,
          log,
        }),
        journeyOperations: createJourneyOperations({
          journeys: repositories.journeys,
          templates: repositories.templates,
          audiences,
          catalog: journeyCatalog,
          now,
        }),
        campaignOperations: createCampaignOperations({
          campaigns: repositories.campaigns,
          audiences,
          templates: repositories.templates,
          alarms: createCampaignAlarms(link),
          log,
          now,
        }),
        messagingSettings: broadcastMessagingSettings(repositories.messagingSettings, journeyCatalog),
        inAppMessagesReceived: inAppMessagesReceivedOf(link, repositories.inAppMessages, now),
        secrets,
        allowLocalDestinations: config.allowLocalDestinations,
      };
      const authentication = await startAuthentication({
        link,
        apiKeys: repositories.apiKeys,
        sdkAuthentication: repositories.sdkAuthentication,
        log,
      });
      cleanup.push(authentication.stop);
      gateway = createGateway({ services, rootKey: config.rootKey, authentication, logger: log });
      const server = createGatewayServer({
        gateway,
        metrics,
        readiness,
        unsubscribe: { key: deriveUnsubscribeKey(masterKey), publisher, failures: authentication.failures, log },
      });
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.port, "0.0.0.0", resolve);
      });
      cleanup.push(async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Requests in flight get half the drain time left; the roles still to stop get the rest.
        const left = ((drainUntil ?? 0) - Date.now()) / 2;
        if (left > 0) {
          // A keep-alive connection turns idle once its request is answered: closed at the next sweep.
          const sweep = setInterval(() => server.closeIdleConnections(), 100);
          await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, left).unref())]);
          clearInterval(sweep);
        }
        server.closeAllConnections();
        await closed;
      });
      graphqlUrl = `http://localhost:${(server.address() as AddressInfo).port}/graphql`;
    }

    if (config.roles.includes("channels")) {
      // Unsubscribe links point at this process's gateway when nothing else is said (local runs).
      const publicUrl = config.publicUrl ?? graphqlUrl?.replace(/\/graphql$/, "") ?? `http://127.0.0.1:${config.port}`;
      const worker = await startChannelWorker({
        link,
        store,
        secrets,
        commands: createCommandPublisher({ link, partitions: layout.partitions }),
        publicUrl,
        unsubscribeKey: deriveUnsubscribeKey(masterKey),
        takeoverMs: config.channelTakeoverSeconds * 1_000,
        log,
        now,
        ...channelTuning,
      });
      cleanup.push(worker.stop);
    }

    if (config.roles.includes("scheduler")) {
      const scheduler = await startCampaignScheduler({
        link,
        campaigns: repositories.campaigns,
        audiences: repositories.audiences,
        members: repositories.audienceMembers,
        messagingSettings: repositories.messagingSettings,
        commands: createCommandPublisher({ link, partitions: layout.partitions }),
        sendTopicMessage: (message) =>
          sendTopicMessage(message, {
            integrations: repositories.integrations,
            templates: repositories.templates,
            secrets,
          }),
        log,
        now,
        sweepMs: config.campaignSweepSeconds * 1_000,
        ...campaignTuning,
      });
      cleanup.push(scheduler.stop);
    }

    operations = await startOperationsServer(config.opsPort, { registry, readiness });

    return {
      graphqlUrl,
      gateway,
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
