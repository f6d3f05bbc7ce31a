export { AccountExistsError, type Accounts, accountsRepository } from "./accounts.ts";
export {
  API_KEY_ROLES,
  type ApiKey,
  type ApiKeyRole,
  type ApiKeys,
  apiKeysRepository,
  hashApiKey,
  isApiKeyShaped,
  type NewApiKey,
} from "./apiKeys.ts";
export {
  type AudienceMemberDocument,
  type AudienceMembers,
  audienceMembersRepository,
  type MembershipUpdate,
  memberKey,
} from "./audienceMembers.ts";
export {
  type AudienceRunDocument,
  type AudienceRuns,
  audienceRunsRepository,
  isRunComplete,
  MAX_RUN_ERRORS,
  type RunOutcomes,
} from "./audienceRuns.ts";
export {
  AudienceBusyError,
  type AudienceChange,
  type AudienceDocument,
  AudienceNameTakenError,
  AudienceNotFoundError,
  AudienceRequestRefusedError,
  type Audiences,
  audiencesRepository,
  DEFAULT_SWEEP_SCHEDULE,
  type NewAudience,
  prepareAudienceNames,
  type SharedAudienceName,
} from "./audiences.ts";
export {
  type CampaignDocument,
  type CampaignIssue,
  type CampaignLease,
  CampaignNotFoundError,
  type CampaignOutcomes,
  CampaignRefusedError,
  type Campaigns,
  campaignsRepository,
  prepareCampaigns,
} from "./campaigns.ts";
export { openChannelConfig, sealChannelConfig } from "./channelConfig.ts";
export { CONSENT_DENIALS_COLLECTION, deniedPurposes } from "./consentDenials.ts";
export {
  backfillConsentDenials,
  CUSTOMERS_COLLECTION,
  type CurrentCustomerDocument,
  type CustomerDocument,
  type CustomerDocumentV1,
  type CustomerIdPages,
  type Customers,
  type CustomersDenying,
  type CustomerWrite,
  customerIdPages,
  customerKey,
  customersDenying,
  customersOf,
  customersRepository,
  type DocumentHeader,
  ensureCustomerIndexes,
  type LiveCustomerDocument,
  type OverdueCustomer,
  overdueCustomers,
  VersionConflictError,
  type WriteManyOptions,
} from "./customers.ts";
export { type DeadLetter, type DeadLetters, deadLettersRepository } from "./deadLetters.ts";
export { type DeviceTokens, deviceTokensRepository } from "./deviceTokens.ts";
export { isDocumentRefusal } from "./documentRefusal.ts";
export {
  IN_APP_LIST_LIMIT,
  type InAppDelivery,
  type InAppMessage,
  type InAppMessages,
  type InAppState,
  inAppMessageId,
  inAppMessagesRepository,
  prepareInAppMessages,
  type RenderedInAppContent,
} from "./inAppMessages.ts";
export {
  type BrazeBatchLimit,
  type BrazeIntegrationDocument,
  type BrazeSettings,
  brazeIntegrationId,
  type ChannelIntegrationDocument,
  channelIntegrationId,
  type IntegrationDocument,
  type IntegrationReplay,
  type IntegrationResync,
  type IntegrationStatus,
  type Integrations,
  integrationsRepository,
  isChannelIntegration,
  type ResyncReason,
  type S3ExportDocument,
  type S3ExportSettings,
  type SealedChannelConfig,
  s3ExportId,
} from "./integrations.ts";
export { type JourneyCountsDelta, type JourneyStatsRepository, journeyStatsRepository } from "./journeyStats.ts";
export {
  type JourneyDocument,
  type JourneyIssue,
  JourneyNotFoundError,
  JourneyRefusedError,
  type Journeys,
  type JourneyVersionDocument,
  journeysRepository,
  journeyVersionId,
  prepareJourneys,
} from "./journeys.ts";
export { type AccountMessagingSettings, messagingSettingsRepository } from "./messagingSettings.ts";
export { connectStore, pingStore, type Store, type StoreOptions } from "./mongo.ts";
export { type PartitionCheckpoints, partitionCheckpointsRepository } from "./partitionCheckpoints.ts";
export { type Repositories, repositoriesOf } from "./repositories.ts";
export {
  SDK_AUTHENTICATION_OFF,
  type SdkAuthenticationSettings,
  type SdkAuthentications,
  sdkAuthenticationRepository,
} from "./sdkAuthentication.ts";
export { createSecretBox, type SealedSecret, type SecretBox } from "./secretBox.ts";
export {
  type DecidedSend,
  ensureSendIndexes,
  type LedgerStatus,
  SEND_CLAIMS_COLLECTION,
  SEND_OUTCOMES_COLLECTION,
  SENDS_COLLECTION,
  type SendDocument,
  type SendOutcome,
  type Sends,
  sendId,
  sendsOf,
  sendsRepository,
} from "./sends.ts";
export { storeFailureOf } from "./storeFailure.ts";
export {
  type SyncLog,
  type SyncLogEntry,
  type SyncLogPosition,
  syncLogPosition,
  syncLogRepository,
} from "./syncLog.ts";
export {
  prepareTemplates,
  TemplateChannelChangeError,
  type TemplateDraft,
  TemplateNotFoundError,
  type Templates,
  type TemplateVersionDocument,
  templatesRepository,
} from "./templates.ts";
export {
  readWebhookSecrets,
  rotatedWebhookSecrets,
  WEBHOOK_MOST_RATE,
  WEBHOOK_USUAL_RATE,
  type WebhookDocument,
  type WebhookSecrets,
  type WebhookSettings,
  type Webhooks,
  webhooksRepository,
} from "./webhooks.ts";
