import pino from "pino";
import type { IntegrationSync } from "../../../../actors/destination/integrationSync.ts";
import type { StoredIntegration } from "../../../../actors/destination/provider.ts";
import { registerProvider } from "../../../../actors/destination/providers.ts";
import type { AudienceNames } from "../../../../actors/destination/resyncedFacts.ts";
import { createRollingLimiter } from "../../../../actors/destination/rollingLimiter.ts";
import type { CustomerFactType } from "../../../../model/index.ts";
import {
  customerIdPages,
  customersDenying,
  integrationsRepository,
  type Store,
  syncLogRepository,
} from "../../../../store/index.ts";
import { createCommandPublisher, type NatsLink } from "../../../../streams/index.ts";
import { createEchoProvider, type EchoReceiver } from "./echoProvider.ts";

export type EchoSyncOptions = {
  link: NatsLink;
  store: Store;
  partitions: number;
  integration: StoredIntegration<unknown>;
  secret: string;
  receiver: EchoReceiver;
  /** The facts the echo provider wants (its default otherwise). */
  wants?: readonly CustomerFactType[];
  /** The account's audiences as a window holding a resync reads them (none otherwise). */
  audienceNames?: () => Promise<AudienceNames>;
};

/**
 * One echo integration's sync, started the way the destinations worker starts a sync, without the
 * worker: no lease (it always holds), the real store, streams and generic sync.
 */
export function startEchoSync(options: EchoSyncOptions): Promise<IntegrationSync> {
  const { link, store, partitions, integration, secret, receiver, wants } = options;
  return registerProvider(createEchoProvider(receiver, wants)).start({
    link,
    integration,
    secret,
    integrations: integrationsRepository(store.db),
    syncLog: syncLogRepository(store.db),
    customersDenying: customersDenying(store.db),
    customerIds: customerIdPages(store.db),
    commands: createCommandPublisher({ link, partitions }),
    audienceNames: options.audienceNames ?? (async () => new Map()),
    limiterFor: (_, limits) => createRollingLimiter({ limit: limits.callsPerWindow, windowMs: limits.windowMs }),
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: pino({ level: "silent" }),
    holds: () => true,
  });
}
