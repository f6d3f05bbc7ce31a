import { destinationProviders, startDestinationWorker } from "../../actors/destination/index.ts";
import { createCommandPublisher } from "../../streams/index.ts";
import { destinationMetrics } from "../roleMetrics.ts";
import type { RoleContext } from "./roleContext.ts";

/** `destinations`: every integration's sync (Braze, webhooks, S3 exports), each under its lease. */
export async function startDestinationsRole({
  config,
  log,
  link,
  store,
  partitions,
  secrets,
  registry,
  readiness,
  onStop,
  options,
}: RoleContext): Promise<void> {
  const metrics = destinationMetrics(registry);
  const worker = await startDestinationWorker({
    link,
    store,
    secrets,
    commands: createCommandPublisher({ link, partitions }),
    log,
    providers: destinationProviders({ allowLocalDestinations: config.allowLocalDestinations }),
    tuning: {
      braze: {
        ...(config.brazePlanningThread === undefined ? {} : { planOnThread: config.brazePlanningThread }),
        ...(config.brazeTrackLimit === undefined ? {} : { callsPerWindow: config.brazeTrackLimit }),
        ...(config.brazeRetryMaxSeconds === undefined
          ? {}
          : { backoff: { maxMs: config.brazeRetryMaxSeconds * 1_000 } }),
        ...options.brazeSync,
      },
    },
    ...options.destinationTime,
    onCallAnswered: metrics.onCallAnswered,
  });
  onStop(worker.stop);
  metrics.watch(worker);
  readiness.push({ name: "destinations.integrationSyncs", check: async () => worker.current() });
}
