export {
  type AudienceRunJob,
  audienceRunJobSchema,
  decodeAudienceRunJob,
  enqueueAudienceRun,
} from "./audienceRunJobs.ts";
export { type CommandPublisher, commandMessageId, createCommandPublisher } from "./commandPublisher.ts";
export {
  CONSENT_PURPOSES,
  type CommandMetadata,
  type ConsentPatch,
  type ConsentPurpose,
  type ConsentValue,
  decodeCommand,
  type IngestCommand,
  type IngestCommandDraft,
  type IngestCommandType,
} from "./commands.ts";
export { connectNats, type NatsLink } from "./connection.ts";
export { DUPLICATE_WINDOW_NS, STREAM_NAMES } from "./definitions.ts";
export { UnavailableError } from "./errors.ts";
export { createFactPublisher, type FactPublisher } from "./factPublisher.ts";
export {
  type CustomerFact,
  type CustomerFactDraft,
  type CustomerFactType,
  completeFact,
  customerFactSchema,
  decodeFact,
  encodeFact,
  type FactMetadata,
  type FactOf,
  type FactSubjectKind,
  factIdOf,
  factSubject,
  factSubjectKind,
  type MembershipChangedData,
  type MembershipChangeKind,
  PROFILE_FIELDS,
  type ProfileField,
  readTrustedFact,
} from "./facts.ts";
export {
  type CancelProperties,
  type FulfillProperties,
  INTERNAL_EVENT_NAMES,
  type InternalEventName,
  internalEventPropertySchemas,
  isInternalEvent,
  type ReverseProperties,
} from "./internalEvents.ts";
export { fnv1a32, partitionOf } from "./partition.ts";
export { openRawPull, type PulledMessage, type RawPull, streamSequenceOf } from "./rawPull.ts";
export { ensureStreams, readStreamLayout, type StreamLayout } from "./setup.ts";
export { accountIdSchema, subjects } from "./subjects.ts";
