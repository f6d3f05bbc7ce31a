/**
 * Masivo's vocabulary, shared by every layer: identifiers and their bounds, the customer and its
 * parts (profile, consent, devices), commands, facts, internal events and audiences, as zod
 * schemas and types. Pure data: nothing here does I/O or imports another folder of ours.
 */
export {
  AUDIENCE_NAME_MAX_LENGTH,
  type Audience,
  type AudienceInput,
  type AudienceKind,
  type AudienceOperations,
  type AudienceRun,
  type AudienceRunKind,
  audienceNameKey,
  audienceNameSchema,
  type MembershipChange,
  type RunStatus,
} from "./audience.ts";
export {
  CAMPAIGN_STATUSES,
  type Campaign,
  type CampaignCounters,
  type CampaignOperations,
  type CampaignRun,
  type CampaignStatus,
  campaignNameSchema,
  campaignSendKey,
  campaignSource,
  FINAL_CAMPAIGN_STATUSES,
  MAX_PER_MINUTE_BOUNDS,
  type NewCampaign,
  NO_CAMPAIGN_PROGRESS,
  type PinnedCampaignTemplate,
} from "./campaign.ts";
export {
  CHANNEL_CONSENT,
  CHANNEL_SUBJECT_TOKENS,
  CHANNELS,
  type Channel,
  channelSchema,
  MESSAGE_CATEGORIES,
  MESSAGE_STATUSES,
  type MessageCategory,
  type MessageStatus,
  messageCategorySchema,
  SUPPRESSION_REASONS,
  type SuppressionReason,
  suppressionReasonSchema,
} from "./channel.ts";
export {
  type ApnsSettings,
  apnsSettingsSchema,
  type ChannelIntegrationConfig,
  type ChannelIntegrationKind,
  type EmailSecrets,
  type EmailSettings,
  emailSettingsSchema,
  type PushSecrets,
  type PushSettings,
  pushSettingsSchema,
  type WhatsAppSecrets,
  type WhatsAppSettings,
  whatsAppSettingsSchema,
} from "./channelSettings.ts";
export {
  type CommandIdentity,
  type CommandMetadata,
  evaluateAudienceDataSchema,
  type IngestCommand,
  type IngestCommandDraft,
  type IngestCommandType,
  ingestCommandSchema,
  registerDeviceDataSchema,
  renameMembershipDataSchema,
  setMembershipDataSchema,
  trackEventDataSchema,
  upsertCustomerDataSchema,
} from "./commands.ts";
export {
  CONSENT_PURPOSES,
  CONSENT_VALUES,
  type ConsentPatch,
  type ConsentPurpose,
  type ConsentState,
  type ConsentValue,
  consentPatchSchema,
  consentStateSchema,
  consentValueSchema,
} from "./consent.ts";
export {
  type ActiveCustomer,
  type CountedSend,
  CUSTOMER_SCHEMA_VERSION,
  type CustomerState,
  type DeletedCustomer,
  type EventStat,
  type Membership,
  type Order,
  type OrderLine,
  type PersistedCustomer,
} from "./customer.ts";
export { CUSTOMER_BOUNDS } from "./customerBounds.ts";
export { DEVICE_PLATFORMS, type Device, type DevicePlatform, devicePlatformSchema } from "./device.ts";
export { FACT_KIND_TYPES, FACT_KINDS, type FactKind, factKindOf } from "./factKinds.ts";
export {
  type CustomerFact,
  type CustomerFactDraft,
  type CustomerFactType,
  type CustomerResyncedData,
  completeFact,
  customerFactSchema,
  type EventRecordedData,
  FACT_TYPES,
  type FactMetadata,
  type FactOf,
  factMetadataSchema,
  type MembershipChangedData,
  type MembershipChangeKind,
  type MessageRecordedData,
  messageRecordedDataSchema,
  type ProfileChangedData,
  type PurchaseItem,
  type PurchaseRecordedData,
} from "./facts.ts";
export {
  ClientFacingError,
  classifyFailure,
  clientText,
  type FailureClassifier,
  failureRef,
  messageOf,
  type ServiceFailure,
} from "./failures.ts";
export { accountIdSchema, CUSTOMER_ID_MAX_LENGTH, customerIdSchema } from "./identifiers.ts";
export {
  type CancelProperties,
  cancelPropertiesSchema,
  type FulfillProperties,
  fulfillPropertiesSchema,
  INTERNAL_EVENT_NAMES,
  type InternalEventName,
  ITEM_MAX_QUANTITY,
  internalEventPropertySchemas,
  isInternalEvent,
  ORDER_MAX_ITEMS,
  ORDER_TEXT_MAX_LENGTH,
  type ReverseProperties,
  reversePropertiesSchema,
} from "./internalEvents.ts";
export {
  type EntryEvent,
  JOURNEY_INSTANCE_STATUSES,
  JOURNEY_STATUSES,
  type JourneyChangedData,
  type JourneyInstance,
  type JourneyInstanceStatus,
  type JourneyStatus,
  journeyChangedDataSchema,
  type WakeCustomerData,
  wakeCustomerDataSchema,
} from "./journey.ts";
export {
  type Journey,
  type JourneyChange,
  type JourneyOperations,
  type JourneyStats,
  type JourneyStepStats,
  journeyNameSchema,
  type NewJourney,
  type PinnedTemplates,
} from "./journeyLifecycle.ts";
export { type JsonObject, jsonObjectSchema } from "./json.ts";
export { customAttributesSchema, eventPropertiesSchema, JSON_KEY_MAX_LENGTH, JSON_MAX_DEPTH } from "./jsonKeys.ts";
export { instantOfLocal, type LocalTime, localTimeOf, minuteOfDay, weekOf } from "./localTime.ts";
export { COMMAND_MAX_BYTES, FACT_MAX_BYTES } from "./messageSizes.ts";
export {
  CAP_PERIODS,
  type Cap,
  type CapPeriod,
  capSchema,
  isTimeZone,
  localTimeSchema,
  type MessagingSettings,
  messagingSettingsSchema,
  NO_MESSAGING_RULES,
  QUIET_HOURS_ACTIONS,
  type QuietHours,
  quietHoursSchema,
  timeZoneSchema,
} from "./messaging.ts";
export { forbiddenAddressReason } from "./outboundAddress.ts";
export {
  PROFILE_FIELDS,
  PROFILE_PARTS,
  type Profile,
  type ProfileField,
  type ProfilePart,
  profileSchema,
} from "./profile.ts";
export { type PushTopicChangedData, type PushTopicSubscription, pushTopicChangedDataSchema } from "./pushTopics.ts";
export {
  type SendCustomer,
  type SendDecidedData,
  type SendDecision,
  type SendMessageData,
  type SendTarget,
  sendCustomerSchema,
  sendDecidedDataSchema,
  sendKeySchema,
  sendMessageDataSchema,
  sendSourceSchema,
  sendTargetSchema,
} from "./send.ts";
export {
  type EmailContent,
  emailContentSchema,
  type InAppContent,
  inAppContentSchema,
  type PushContent,
  pushContentSchema,
  type TemplateContent,
  type TemplateVersion,
  templateContentSchema,
  templateNameSchema,
  type WhatsAppContent,
  whatsAppContentSchema,
} from "./template.ts";
export {
  deriveUnsubscribeKey,
  readUnsubscribeToken,
  type Unsubscriber,
  unsubscribeToken,
  unsubscribeUrl,
} from "./unsubscribeToken.ts";
