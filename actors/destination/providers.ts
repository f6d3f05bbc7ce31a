import { brazeProvider } from "./braze/brazeProvider.ts";
import { type IntegrationSync, type SyncDependencies, startIntegrationSync } from "./integrationSync.ts";
import type { DestinationProvider, PlannedCall } from "./provider.ts";
import { s3ExportProvider } from "./s3/s3ExportProvider.ts";

/**
 * The providers the `destinations` role syncs, by integration `kind`. Adding one is its folder
 * and one line here.
 */
export const DESTINATION_PROVIDERS: ProviderRegistry = {
  braze: registerProvider(brazeProvider),
  s3: registerProvider(s3ExportProvider),
};

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
