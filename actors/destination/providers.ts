import { brazeProvider } from "./braze/brazeProvider.ts";
import { type IntegrationSync, type SyncDependencies, startIntegrationSync } from "./integrationSync.ts";
import type { DestinationProvider, PlannedCall } from "./provider.ts";
import { createS3ExportProvider } from "./s3/s3ExportProvider.ts";
import { createWebhookProvider } from "./webhook/webhookProvider.ts";

/**
 * The providers the `destinations` role syncs, by integration `kind`. Adding one is its folder
 * and one line here. `allowLocalDestinations` (MASIVO_ALLOW_LOCAL_DESTINATIONS) lets providers
 * that call addresses an ADMIN typed reach 127.0.0.1, where the fakes and tests listen.
 */
export function destinationProviders(options: { allowLocalDestinations: boolean }): ProviderRegistry {
  return {
    braze: registerProvider(brazeProvider),
    s3: registerProvider(createS3ExportProvider({ allowLocal: options.allowLocalDestinations })),
    webhook: registerProvider(createWebhookProvider({ allowLocal: options.allowLocalDestinations })),
  };
}

/** The providers with every outbound check in force: the worker's unless it is given others. */
export const DESTINATION_PROVIDERS: ProviderRegistry = destinationProviders({ allowLocalDestinations: false });

export type ProviderRegistry = Readonly<Record<string, RegisteredProvider>>;

/** A provider, its types hidden: what the worker starts for each integration of its kind. */
export type RegisteredProvider = {
  kind: string;
  start: (deps: SyncDependencies<unknown>) => Promise<IntegrationSync>;
};

export function registerProvider<Settings, Own, Call extends PlannedCall, Answer>(
  provider: DestinationProvider<Settings, Own, Call, Answer>,
): RegisteredProvider {
  return {
    kind: provider.kind,
    // The store keeps each integration's settings as its provider's configuration wrote them.
    start: (deps) => startIntegrationSync(provider, deps as SyncDependencies<Settings>),
  };
}
