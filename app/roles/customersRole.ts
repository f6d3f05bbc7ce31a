import { watchAudienceCatalog } from "../../actors/audience/index.ts";
import { startCustomerWorker } from "../../actors/customer/index.ts";
import { openJourneyCatalog } from "../../actors/journey/index.ts";
import { customerMetrics } from "../roleMetrics.ts";
import type { RoleContext } from "./roleContext.ts";

/** `customers`: the customer actors, deciding each customer's commands in order per partition. */
export async function startCustomersRole({
  config,
  log,
  link,
  store,
  partitions,
  registry,
  readiness,
  onStop,
  now,
  options,
}: RoleContext): Promise<void> {
  const catalog = await watchAudienceCatalog(link.nc, log);
  onStop(catalog.stop);
  const journeys = await openJourneyCatalog(link.nc, log);
  onStop(journeys.stop);
  const metrics = customerMetrics(registry);
  const worker = await startCustomerWorker({
    link,
    store,
    partitions,
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
    timerSweepGraceMs: options.timerSweepGraceMs,
    observer: metrics.observer,
  });
  onStop(worker.stop);
  metrics.watch(worker);
  readiness.push({ name: "customers.partitionLeases", check: async () => worker.leases.renewing() });
}
