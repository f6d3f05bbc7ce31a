import { type Accounts, accountsRepository } from "./accounts.ts";
import { type ApiKeys, apiKeysRepository } from "./apiKeys.ts";
import { type AudienceMembers, audienceMembersRepository } from "./audienceMembers.ts";
import { type AudienceRuns, audienceRunsRepository } from "./audienceRuns.ts";
import { type Audiences, audiencesRepository } from "./audiences.ts";
import { type Campaigns, campaignsRepository } from "./campaigns.ts";
import { type Customers, customersOf } from "./customers.ts";
import { type DeadLetters, deadLettersRepository } from "./deadLetters.ts";
import { type InAppMessages, inAppMessagesRepository } from "./inAppMessages.ts";
import { type Integrations, integrationsRepository } from "./integrations.ts";
import { type JourneyStatsRepository, journeyStatsRepository } from "./journeyStats.ts";
import { type Journeys, journeysRepository } from "./journeys.ts";
import { type AccountMessagingSettings, messagingSettingsRepository } from "./messagingSettings.ts";
import type { Store } from "./mongo.ts";
import { type SdkAuthentications, sdkAuthenticationRepository } from "./sdkAuthentication.ts";
import { type Sends, sendsOf } from "./sends.ts";
import { type SyncLog, syncLogRepository } from "./syncLog.ts";
import { type Templates, templatesRepository } from "./templates.ts";
import { type Webhooks, webhooksRepository } from "./webhooks.ts";

/** The repositories the GraphQL gateway serves from, on one store. */
export type Repositories = {
  accounts: Accounts;
  apiKeys: ApiKeys;
  customers: Customers;
  deadLetters: DeadLetters;
  audiences: Audiences;
  audienceRuns: AudienceRuns;
  audienceMembers: AudienceMembers;
  /** One-shot campaigns and their counters. */
  campaigns: Campaigns;
  integrations: Integrations;
  inAppMessages: InAppMessages;
  journeys: Journeys;
  /** Journeys' counters, kept by the journey stats tracker. */
  journeyStats: JourneyStatsRepository;
  messagingSettings: AccountMessagingSettings;
  syncLog: SyncLog;
  sdkAuthentication: SdkAuthentications;
  templates: Templates;
  /** The send ledger: what became of each message. */
  sends: Sends;
  /** Webhook endpoints, many per account (their status and sync log are the integrations'). */
  webhooks: Webhooks;
};

export function repositoriesOf(store: Store, now: () => Date = () => new Date()): Repositories {
  return {
    accounts: accountsRepository(store.db, now),
    apiKeys: apiKeysRepository(store.db, now),
    customers: customersOf(store),
    deadLetters: deadLettersRepository(store.db),
    audiences: audiencesRepository(store.db, now),
    audienceRuns: audienceRunsRepository(store.db, now),
    audienceMembers: audienceMembersRepository(store.db),
    campaigns: campaignsRepository(store.db),
    integrations: integrationsRepository(store.db, now),
    inAppMessages: inAppMessagesRepository(store.db, now),
    journeys: journeysRepository(store.db),
    journeyStats: journeyStatsRepository(store.db),
    messagingSettings: messagingSettingsRepository(store.db, now),
    syncLog: syncLogRepository(store.db, now),
    sdkAuthentication: sdkAuthenticationRepository(store.db, now),
    templates: templatesRepository(store.db, now),
    webhooks: webhooksRepository(store.db, now),
    sends: sendsOf(store),
  };
}
