import { z } from "zod";

/**
 * Account ids appear in subjects, so they are limited to characters NATS subjects carry safely.
 * Customer ids never appear in subjects; they travel in payloads.
 */
export const accountIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be 1–63 characters of a-z, 0-9, _ and -, starting with a letter or digit");

export const subjects = {
  /** Commands for the customers of one partition. */
  ingest: (account: string, partition: number) => `in.${account}.${partition}`,
  /** Every partition's commands of every account, for the consumer of one partition use `ingestPartitionFilter`. */
  ingestPartitionFilter: (partition: number) => `in.*.${partition}`,
  /** Facts the customer actors decided. */
  change: (account: string, kind: string) => `chg.${account}.${kind}`,
  /** Journey and campaign sends for one channel. */
  message: (account: string, channel: string) => `msg.${account}.${channel}`,
  /** A pending durable timer (a NATS message schedule). */
  timerSchedule: (account: string, partition: number, timerId: string) =>
    `tmr.sched.${account}.${partition}.${timerId}`,
  /** An audience run for the `audiences` role to carry out. */
  audienceRun: (account: string) => `aud.run.${account}`,
  /** Where a schedule fires into. */
  timerFire: (account: string, partition: number) => `tmr.fire.${account}.${partition}`,
} as const;
