import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { type KV, Kvm } from "@nats-io/kv";
import type { Logger } from "pino";
import {
  customersOf,
  type IntegrationDocument,
  integrationsRepository,
  type SecretBox,
  type Store,
  syncLogRepository,
} from "../../store/index.ts";
import type { NatsLink } from "../../streams/index.ts";
import type { CallObserver, IntegrationSync } from "./integrationSync.ts";
import type { DestinationLimits, TuningChanges } from "./provider.ts";
import { DESTINATION_PROVIDERS, type ProviderRegistry } from "./providers.ts";
import { createRollingLimiter, type RollingLimiter } from "./rollingLimiter.ts";

/** The KV bucket holding which process syncs which integration (entries expire without renewal). */
export const DESTINATION_LEASES_BUCKET = "masivo_destination_leases";

export type DestinationWorkerOptions = {
  link: NatsLink;
  store: Store;
  secrets: SecretBox;
  log: Logger;
  /** How often integrations are looked at (new, changed, fixed, removed). */
  pollMs?: number;
  leaseTtlMs?: number;
  /** The providers synced, by integration kind (tests add their own). */
  providers?: ProviderRegistry;
  /** Changes to a provider's limits, by integration kind (configuration, tests). */
  tuning?: Readonly<Record<string, TuningChanges>>;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Told how every call to a provider was answered (operations figures, docs/operations.md). */
  onCallAnswered?: CallObserver;
};

export type DestinationWorker = {
  /** Integrations this process syncs right now. */
  syncing: () => number;
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
  revision: number;
  /** The sync stopped on its own (paused, reconfigured or failed): the next tick restarts it if still wanted. */
  ended: boolean;
};

/**
 * The `destinations` role: runs one sync per enabled integration that is not FAILING, each with its
 * own CHANGES consumer and its kind's provider (providers.ts), so a failing integration never slows
 * another. Across processes, an integration is synced by whoever holds its lease; a configuration
 * change restarts its sync (so a FAILING integration whose key was fixed drains its backlog).
 */
export async function startDestinationWorker(options: DestinationWorkerOptions): Promise<DestinationWorker> {
  const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const log = options.log.child({ role: "destinations", worker: workerId });
  const integrations = integrationsRepository(options.store.db);
  const syncLog = syncLogRepository(options.store.db);
  const customers = customersOf(options.store);
  const leaseTtlMs = options.leaseTtlMs ?? 10_000;
  const kv: KV = await new Kvm(options.link.nc).create(DESTINATION_LEASES_BUCKET, { ttl: leaseTtlMs, history: 1 });
  const running = new Map<string, Running>();
  const limiters = new Map<string, RollingLimiter>();
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;

  const providers = options.providers ?? DESTINATION_PROVIDERS;
  /** One limiter per provider account, shared by the integrations that send to it. */
  const limiterFor = (account: string, limits: DestinationLimits) => {
    const limiter =
      limiters.get(account) ?? createRollingLimiter({ limit: limits.callsPerWindow, windowMs: limits.windowMs, now });
    limiters.set(account, limiter);
    return limiter;
  };

  const stopOne = async (id: string) => {
    const current = running.get(id);
    running.delete(id);
    if (!current) return;
    await current.runner.stop();
    await kv.delete(id, { previousSeq: current.revision }).catch(() => undefined);
  };

  const startOne = async (integration: IntegrationDocument, revision: number) => {
    const provider = providers[integration.kind];
    if (!provider) throw new Error(`no provider syncs integrations of kind "${integration.kind}"`);
    const runner = await provider.start({
      link: options.link,
      integration,
      secret: options.secrets.open(integration.secret),
      integrations,
      syncLog,
      customers,
      limiterFor,
      tuning: options.tuning?.[integration.kind],
      now,
      sleep,
      log,
      onCallAnswered: options.onCallAnswered,
    });
    const entry: Running = { configVersion: integration.configVersion, runner, revision, ended: false };
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

  /** Renews a held lease, or takes a free one; the revision when held, undefined otherwise. */
  const lease = async (id: string): Promise<number | undefined> => {
    const held = running.get(id);
    try {
      return held ? await kv.update(id, workerId, held.revision) : await kv.create(id, workerId);
    } catch {
      return undefined;
    }
  };

  const tick = async () => {
    const all = await integrations.all();
    // An integration of a kind no provider here syncs is left to the processes that have one.
    const syncable = all.filter(
      (i) => i.settings.enabled && i.status !== "FAILING" && Object.hasOwn(providers, i.kind),
    );
    const wanted = new Map(syncable.map((i) => [i._id, i]));
    for (const id of [...running.keys()]) {
      const integration = wanted.get(id);
      const current = running.get(id);
      if (!integration || integration.configVersion !== current?.configVersion || current.ended) await stopOne(id);
    }
    for (const [id, integration] of wanted) {
      const revision = await lease(id);
      if (revision === undefined) {
        if (running.has(id)) {
          log.warn({ integration: id }, "lost the integration's lease; stopping its sync");
          await stopOne(id);
        }
        continue;
      }
      const current = running.get(id);
      if (current) current.revision = revision;
      else
        await startOne(integration, revision).catch((error) =>
          log.error({ err: error, integration: id }, "could not start"),
        );
    }
  };

  let stopped = false;
  // Counted from the start, so a worker is not reported stuck before its first look could end.
  let lookedAt = Date.now();
  const loop = (async () => {
    while (!stopped) {
      await tick().then(
        () => {
          lookedAt = Date.now();
        },
        (error) => log.error({ err: error }, "destinations tick failed"),
      );
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1_000));
    }
  })();

  return {
    syncing: () => running.size,
    current: () => !stopped && Date.now() - lookedAt < leaseTtlMs,
    async stop() {
      stopped = true;
      await loop;
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
