import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { KV } from "@nats-io/kv";
import type { Logger } from "pino";
import {
  audiencesRepository,
  customerIdPages,
  customersDenying,
  type IntegrationDocument,
  integrationsRepository,
  type SecretBox,
  type Store,
  syncLogRepository,
} from "../../store/index.ts";
import {
  type CommandPublisher,
  type LeaseTerm,
  leaseTerm,
  type NatsLink,
  openKvBucket,
  withinTerm,
} from "../../streams/index.ts";
import { unackedFacts } from "./integrationConsumer.ts";
import type { CallObserver, IntegrationSync } from "./integrationSync.ts";
import type { DestinationLimits, TuningChanges } from "./provider.ts";
import { DESTINATION_PROVIDERS, type ProviderRegistry } from "./providers.ts";
import { createRollingLimiter, type RollingLimiter } from "./rollingLimiter.ts";

/** How long reading an integration's consumer lag may take (a metrics scrape waits for it). */
const LAG_TIMEOUT_MS = 2_000;

/** The KV bucket holding which process syncs which integration (entries expire without renewal). */
export const DESTINATION_LEASES_BUCKET = "masivo_destination_leases";

export type DestinationWorkerOptions = {
  link: NatsLink;
  store: Store;
  secrets: SecretBox;
  /** Where full resyncs publish their `integration.resync` commands. */
  commands: CommandPublisher;
  log: Logger;
  /** How often integrations are looked at (new, changed, fixed, removed) and their leases renewed. */
  pollMs?: number;
  /** How long a lease lives without renewal; its term ends a fifth of that earlier (leaseTerm.ts). */
  leaseTtlMs?: number;
  /** The providers synced, by integration kind (tests add their own). */
  providers?: ProviderRegistry;
  /** Changes to a provider's limits, by integration kind (configuration, tests). */
  tuning?: Readonly<Record<string, TuningChanges>>;
  /** The providers' clock: limiter windows, retry delays (tests compress it). */
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * The clock lease terms are counted on: real time, as the store expires lease entries on it
   * (tests move it on to stall a process past its lease).
   */
  leaseClock?: () => number;
  /** Told how every call to a provider was answered (operations figures, docs/operations.md). */
  onCallAnswered?: CallObserver;
};

export type DestinationWorker = {
  /** Integrations this process syncs right now. */
  syncing: () => number;
  /**
   * Of each integration this process syncs, its facts not acked yet (integrationConsumer.ts
   * `unackedFacts`); one the server did not tell in time is left out, logged. Never rejects.
   */
  consumerLag: () => Promise<Map<string, number>>;
  /**
   * True while its last look at the integrations ended within a lease's lifetime: the syncs it
   * should run are running and their leases renewed.
   */
  current: () => boolean;
  stop: () => Promise<void>;
};

type Running = {
  configVersion: number;
  runner: IntegrationSync;
  /** Renewed each tick: the sync sends, writes and acks nothing once it has ended. */
  lease: { term: LeaseTerm };
  /** The sync stopped on its own (paused, reconfigured or failed): the next tick restarts it if still wanted. */
  ended: boolean;
};

/**
 * The `destinations` role: runs one sync per enabled integration that is not FAILING nor DISABLED, each with its
 * own CHANGES consumer and its kind's provider (providers.ts), so a failing integration never slows
 * another. Across processes, an integration is synced by whoever holds its lease, and only within
 * the term its last renewal gave (leaseTerm.ts): a process that stalled past it sends, fetches,
 * acks and records nothing more for the integration, and its sync stops. A configuration change
 * restarts its sync (so a FAILING integration whose key was fixed drains its backlog).
 */
export async function startDestinationWorker(options: DestinationWorkerOptions): Promise<DestinationWorker> {
  const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const log = options.log.child({ role: "destinations", worker: workerId });
  const integrations = integrationsRepository(options.store.db);
  const syncLog = syncLogRepository(options.store.db);
  const denying = customersDenying(options.store.db);
  const customerIds = customerIdPages(options.store.db);
  const audiences = audiencesRepository(options.store.db);
  const audienceNames = async (account: string) =>
    new Map((await audiences.list(account)).map((audience) => [audience._id, audience.name]));
  const leaseTtlMs = options.leaseTtlMs ?? 10_000;
  const pollMs = options.pollMs ?? 1_000;
  const kv: KV = await openKvBucket(options.link.nc, DESTINATION_LEASES_BUCKET, { ttl: leaseTtlMs, history: 1 });
  const running = new Map<string, Running>();
  const limiters = new Map<string, { limiter: RollingLimiter; limit: number; windowMs: number }>();
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const leaseClock = options.leaseClock ?? Date.now;

  const providers = options.providers ?? DESTINATION_PROVIDERS;
  /**
   * One limiter per provider account, shared by the integrations that send to it; a new one when
   * the account's limits changed (a webhook endpoint given another `maxPerSecond`).
   */
  const limiterFor = (account: string, limits: DestinationLimits) => {
    const { callsPerWindow: limit, windowMs } = limits;
    const known = limiters.get(account);
    if (known && known.limit === limit && known.windowMs === windowMs) return known.limiter;
    const limiter = createRollingLimiter({ limit, windowMs, now });
    limiters.set(account, { limiter, limit, windowMs });
    return limiter;
  };

  const stopOne = async (id: string) => {
    const current = running.get(id);
    running.delete(id);
    if (!current) return;
    await current.runner.stop();
    await kv.delete(id, { previousSeq: current.lease.term.revision }).catch(() => undefined);
  };

  const startOne = async (integration: IntegrationDocument, term: LeaseTerm) => {
    const provider = providers[integration.kind];
    if (!provider) throw new Error(`no provider syncs integrations of kind "${integration.kind}"`);
    const lease = { term };
    const runner = await provider.start({
      link: options.link,
      integration,
      secret: options.secrets.open(integration.secret),
      integrations,
      syncLog,
      customersDenying: denying,
      customerIds,
      commands: options.commands,
      audienceNames,
      limiterFor,
      tuning: options.tuning?.[integration.kind],
      now,
      sleep,
      holds: () => withinTerm(lease.term, leaseClock()),
      log,
      onCallAnswered: options.onCallAnswered,
    });
    const entry: Running = { configVersion: integration.configVersion, runner, lease, ended: false };
    running.set(integration._id, entry);
    runner.stopped.then(
      () => {
        entry.ended = true;
      },
      (error: unknown) => {
        entry.ended = true;
        log.error({ err: error, integration: integration._id }, "integration sync failed; it restarts");
      },
    );
    log.info({ integration: integration._id }, "integration sync started");
  };

  /** Renews a held lease, or takes a free one; its new term when held, undefined otherwise. */
  const renewLease = async (id: string): Promise<LeaseTerm | undefined> => {
    const held = running.get(id);
    // The store expires the entry `leaseTtlMs` after it receives the write, so after this.
    const sentAt = leaseClock();
    try {
      const revision = held ? await kv.update(id, workerId, held.lease.term.revision) : await kv.create(id, workerId);
      // The margin covers a call's way from the check to the provider, and the clocks' drift.
      return leaseTerm(revision, sentAt, leaseTtlMs, leaseTtlMs / 5);
    } catch {
      return undefined;
    }
  };

  const tick = async () => {
    const all = await integrations.destinations();
    // An integration of a kind no provider here syncs is left to the processes that have one.
    const syncable = all.filter(
      (i) =>
        i.settings.enabled && i.status !== "FAILING" && i.status !== "DISABLED" && Object.hasOwn(providers, i.kind),
    );
    const wanted = new Map(syncable.map((i) => [i._id, i]));
    for (const id of [...running.keys()]) {
      const integration = wanted.get(id);
      const current = running.get(id);
      if (!integration || integration.configVersion !== current?.configVersion || current.ended) await stopOne(id);
    }
    for (const [id, integration] of wanted) {
      const current = running.get(id);
      if (current) {
        // Asked for through the API, or left unfinished by a sync that stopped.
        if (integration.resync) current.runner.resync(integration.resync);
        continue;
      }
      const term = await renewLease(id);
      if (term === undefined) continue;
      await startOne(integration, term).catch((error) => log.error({ err: error, integration: id }, "could not start"));
    }
  };

  /**
   * Renews the leases of the running syncs, on a loop of its own that needs NATS only: while the
   * store is out (reading the integrations then fails, or waits), a running sync keeps its lease,
   * rather than lose it and be stopped over nothing it could not go on with.
   */
  const renewRunning = async () => {
    for (const [id, current] of [...running]) {
      const term = await renewLease(id);
      if (term !== undefined) {
        current.lease.term = term;
        continue;
      }
      log.warn({ integration: id }, "lost the integration's lease; stopping its sync");
      await stopOne(id);
    }
  };

  /** Aborted when the worker stops, ending the wait between looks. */
  const stopping = new AbortController();
  // Counted from the start, so a worker is not reported stuck before its first look could end.
  let lookedAt = Date.now();
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      await tick().then(
        () => {
          lookedAt = Date.now();
        },
        (error) => log.error({ err: error }, "destinations tick failed"),
      );
      await abortableSleep(pollMs, stopping.signal).catch(() => undefined);
    }
  })();
  const renewing = (async () => {
    while (!stopping.signal.aborted) {
      await renewRunning().catch((error) => log.error({ err: error }, "renewing the integrations' leases failed"));
      await abortableSleep(pollMs, stopping.signal).catch(() => undefined);
    }
  })();

  return {
    syncing: () => running.size,
    async consumerLag() {
      const lags = new Map<string, number>();
      const ask = async (id: string) => {
        try {
          lags.set(id, await unackedFacts(options.link, id, LAG_TIMEOUT_MS));
        } catch (error) {
          log.warn({ err: error, integration: id }, "could not read the integration's consumer lag");
        }
      };
      await Promise.all([...running.keys()].map(ask));
      return lags;
    },
    current: () => !stopping.signal.aborted && Date.now() - lookedAt < leaseTtlMs,
    async stop() {
      stopping.abort();
      await Promise.all([loop, renewing]);
      for (const id of [...running.keys()]) await stopOne(id);
    },
  };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
