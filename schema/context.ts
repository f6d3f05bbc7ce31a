import type { AudienceOperations, CampaignOperations, JourneyOperations } from "../model/index.ts";
import type {
  AccountMessagingSettings,
  Accounts,
  ApiKeyRole,
  ApiKeys,
  AudienceMembers,
  AudienceRuns,
  Audiences,
  Campaigns,
  Customers,
  DeadLetters,
  InAppMessage,
  InAppMessages,
  Integrations,
  JourneyStatsRepository,
  Journeys,
  SdkAuthentications,
  SecretBox,
  Sends,
  SyncLog,
  Templates,
  Webhooks,
} from "../store/index.ts";
import type { CommandPublisher, CommandResender } from "../streams/index.ts";
import { forbidden, unauthenticated } from "./errors.ts";

/**
 * Who is calling: the platform's root key, or one account's API key. An SDK request with a verified
 * user token (`X-Masivo-User`) carries its `customerId`, the only customer it may touch
 * (customerAccess.ts); where the account requires SDK authentication, every SDK caller has one.
 */
export type Caller =
  | { kind: "root" }
  | { kind: "key"; keyId: string; account: string; role: ApiKeyRole; customerId?: string };

/** What resolvers may use; built once per process and shared by every request. */
export type Services = {
  publisher: CommandPublisher;
  accounts: Accounts;
  apiKeys: ApiKeys;
  customers: Customers;
  /** Commands the customer actors could not apply, per account. */
  deadLetters: DeadLetters;
  /** Stores a dead letter's command in INGEST again. */
  resender: CommandResender;
  audiences: Audiences;
  audienceRuns: AudienceRuns;
  audienceMembers: AudienceMembers;
  audienceOperations: AudienceOperations;
  integrations: Integrations;
  /** Journeys and their published versions, per account. */
  journeys: Journeys;
  journeyOperations: JourneyOperations;
  /** Journeys' counters (`Journey.steps`, `entered`, `active`, `exited`). */
  journeyStats: JourneyStatsRepository;
  /** One-shot campaigns, per account, with their counters. */
  campaigns: Campaigns;
  campaignOperations: CampaignOperations;
  /** Customers' in-app inboxes. */
  inAppMessages: InAppMessages;
  /**
   * A customer's in-app messages as the channel delivers them; resolves once listening, so any
   * message delivered afterwards is yielded. `return()` stops listening.
   */
  inAppMessagesReceived: (account: string, customerId: string) => Promise<AsyncIterableIterator<InAppMessage>>;
  /** Caps and quiet hours per account. */
  messagingSettings: AccountMessagingSettings;
  syncLog: SyncLog;
  sdkAuthentication: SdkAuthentications;
  /** Versioned message templates, per account. */
  templates: Templates;
  /** The send ledger: what became of each message (`messages`). */
  sends: Sends;
  /** Webhook endpoints, many per account. */
  webhooks: Webhooks;
  /** Seals integration secrets with the master key before they are stored. */
  secrets: SecretBox;
  /** `MASIVO_ALLOW_LOCAL_DESTINATIONS`: integrations may point at http://127.0.0.1:<port>. */
  allowLocalDestinations: boolean;
};

export type Context = {
  /** Undefined when the request carried no key, or one that is unknown or revoked. */
  caller: Caller | undefined;
  services: Services;
};

/** The caller's account; only called behind an `admin`/`sdk` scope, which guarantees a key. */
export function callerAccount(context: Context): string {
  if (context.caller?.kind !== "key") throw new Error("callerAccount used on a field without an account scope");
  return context.caller.account;
}

/** A caller without a valid key is unauthenticated; one with a key outside its role is forbidden. */
export function forbiddenOrUnauthenticated(context: Context) {
  return context.caller ? forbidden() : unauthenticated();
}
