export const subjects = {
  /** Commands for the customers of one partition. */
  ingest: (account: string, partition: number) => `in.${account}.${partition}`,
  /** Every partition's commands of every account, for the consumer of one partition use `ingestPartitionFilter`. */
  ingestPartitionFilter: (partition: number) => `in.*.${partition}`,
  /** Facts the customer actors decided. */
  change: (account: string, kind: string) => `chg.${account}.${kind}`,
  /** Journey and campaign sends for one channel. */
  message: (account: string, channel: string) => `msg.${account}.${channel}`,
  /** Every account's sends for one channel: what the channel's workers read. */
  messageChannelFilter: (channel: string) => `msg.*.${channel}`,
  /** Push topic changes the customer actors decided, for the topic worker (not a channel: no `messageChannelFilter` matches it). */
  pushTopicChange: (account: string) => `msg.${account}.pushtopic`,
  /** Every account's push topic changes. */
  pushTopicChangeFilter: "msg.*.pushtopic",
  /**
   * A send waiting for quiet hours to end: a message schedule that fires into `message`. Four
   * tokens, so no `messageChannelFilter` ever matches it.
   */
  deferredMessage: (account: string, id: string) => `msg.deferred.${account}.${id}`,
  /** A pending durable timer (a NATS message schedule). */
  timerSchedule: (account: string, partition: number, timerId: string) =>
    `tmr.sched.${account}.${partition}.${timerId}`,
  /** An audience run for the `audiences` role to carry out. */
  audienceRun: (account: string) => `aud.run.${account}`,
  /**
   * Authentication changes (a revoked key, new SDK authentication settings) every gateway hears at
   * once: core NATS, never stored by a stream.
   */
  authChanges: "auth.changes",
  /** Where a schedule fires into. */
  timerFire: (account: string, partition: number) => `tmr.fire.${account}.${partition}`,
  /** A scheduled campaign's pending start (a NATS message schedule); campaign ids are subject-safe. */
  campaignSchedule: (account: string, campaignId: string) => `tmr.campaign.sched.${account}.${campaignId}`,
  /** Where campaign schedules fire into, for the `scheduler` role. */
  campaignFire: (account: string) => `tmr.campaign.fire.${account}`,
} as const;

/** The account an INGEST subject (`subjects.ingest`) is for; account ids hold no `.`. */
export function accountOfIngestSubject(subject: string): string {
  return subject.split(".")[1] ?? "";
}
