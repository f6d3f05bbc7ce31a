export { type Alarm, type AlarmPublisher, alarmCodec, createAlarmPublisher } from "./alarms.ts";
export {
  type AudienceRunJob,
  audienceRunJobSchema,
  decodeAudienceRunJob,
  enqueueAudienceRun,
} from "./audienceRunJobs.ts";
export {
  type CampaignAlarm,
  type CampaignAlarms,
  campaignAlarmCodec,
  createCampaignAlarms,
} from "./campaignAlarms.ts";
export { type CommandPublisher, commandMessageId, createCommandPublisher } from "./commandPublisher.ts";
export { type CommandResender, createCommandResender, type StoredCommand } from "./commandResender.ts";
export { decodeCommand, encodeCommand } from "./commands.ts";
export { connectNats, type NatsLink } from "./connection.ts";
export { DUPLICATE_WINDOW_NS, STREAM_NAMES } from "./definitions.ts";
export { CommandTooLargeError, UnavailableError } from "./errors.ts";
export {
  createFactPublisher,
  type FactPublisher,
  FactTooLargeError,
  type PreparedFact,
} from "./factPublisher.ts";
export {
  decodeFact,
  encodeFact,
  type FactSubjectKind,
  factIdOf,
  factSubject,
  factSubjectKind,
  readTrustedFact,
} from "./facts.ts";
export { openKvBucket } from "./kvBuckets.ts";
export { type LeaseTerm, leaseTerm, withinTerm } from "./leaseTerm.ts";
export { MaxPayloadTooSmallError, REQUIRED_MAX_PAYLOAD } from "./maxPayload.ts";
export { natsFailureOf } from "./natsFailure.ts";
export { followFactsInOrder, ORDERED_BATCH, type OrderedFacts, untilFactsFollowed } from "./orderedFacts.ts";
export { fnv1a32, partitionOf } from "./partition.ts";
export { PULL_BYTES, pullBytes } from "./pullBytes.ts";
export {
  openRawPull,
  type PulledMessage,
  PullInterruptedError,
  type RawPull,
  streamSequenceOf,
} from "./rawPull.ts";
export { ensureStreams, readStreamLayout, type StreamLayout } from "./setup.ts";
export { storedMessages } from "./storedMessages.ts";
export { StreamReplicasError } from "./streamReplicas.ts";
export { accountOfIngestSubject, subjects } from "./subjects.ts";
export { CATCH_UP_TIMEOUT_MS, type WatchedBucket, watchBucket } from "./watchBucket.ts";
