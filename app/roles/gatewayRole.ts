import type { AddressInfo } from "node:net";
import { createAudienceOperations, createRunFinisher, openAudienceCatalogWriter } from "../../actors/audience/index.ts";
import { createCampaignOperations } from "../../actors/campaign/index.ts";
import {
  broadcastMessagingSettings,
  createJourneyOperations,
  openJourneyCatalogWriter,
} from "../../actors/journey/index.ts";
import {
  countingPublisher,
  createGateway,
  createGatewayMetrics,
  createGatewayServer,
  type Gateway,
  inAppMessagesReceivedOf,
  startAuthentication,
} from "../../gateway/index.ts";
import { deriveUnsubscribeKey } from "../../model/index.ts";
import type { Services } from "../../schema/index.ts";
import { createCampaignAlarms, createCommandPublisher, createCommandResender } from "../../streams/index.ts";
import { operationsOf } from "../operations.ts";
import type { RoleContext } from "./roleContext.ts";

/** `gateway`: the GraphQL API, the unsubscribe links, and the operations routes beside them, on MASIVO_PORT. */
export async function startGatewayRole({
  config,
  log,
  link,
  partitions,
  repositories,
  secrets,
  masterKey,
  registry,
  readiness,
  onStop,
  drainDeadline,
  now,
}: RoleContext): Promise<{ graphqlUrl: string; gateway: Gateway }> {
  const metrics = createGatewayMetrics(registry);
  const { audiences, audienceRuns, audienceMembers } = repositories;
  const catalog = await openAudienceCatalogWriter(link.nc);
  const journeyCatalog = await openJourneyCatalogWriter(link.nc);
  const publisher = countingPublisher(createCommandPublisher({ link, partitions }), metrics);
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
  onStop(authentication.stop);
  const gateway = createGateway({ services, rootKey: config.rootKey, authentication, logger: log });
  const server = createGatewayServer({
    gateway,
    metrics,
    operations: operationsOf({ registry, readiness }),
    unsubscribe: { key: deriveUnsubscribeKey(masterKey), publisher, failures: authentication.failures, log },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, "0.0.0.0", resolve);
  });
  onStop(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Requests in flight get half the drain time left; the roles still to stop get the rest.
    const left = ((drainDeadline() ?? 0) - Date.now()) / 2;
    if (left > 0) {
      // A keep-alive connection turns idle once its request is answered: closed at the next sweep.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, left).unref())]);
      clearInterval(sweep);
    }
    server.closeAllConnections();
    await closed;
  });
  return { graphqlUrl: `http://localhost:${(server.address() as AddressInfo).port}/graphql`, gateway };
}
