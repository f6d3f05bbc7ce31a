import type { MembershipChangeKind } from "./facts.ts";

export type AudienceKind = "RULES" | "STATIC";

/**
 * One audience's definition. `_id` is generated (subject-safe, unique across accounts), so
 * membership facts can be published under `chg.<account>.membership.<audienceId>`.
 */
export type Audience = {
  _id: string;
  account: string;
  name: string;
  description?: string;
  kind: AudienceKind;
  /** The validated rule JSON of a RULES audience (see rules/); absent on STATIC ones. */
  rules?: unknown;
  /** Cron expression of a RULES audience's sweep. */
  sweepSchedule?: string;
  /** Bumped whenever `rules` changes. */
  ruleVersion: number;
  /** Current member count, kept by the membership tracker. */
  size: number;
  /** Set by `deleteAudience`: no longer evaluated, being emptied, then removed. */
  deleting: boolean;
  /** The run that holds the audience: runs of one audience never overlap. */
  lock?: { runId: string; until: Date };
  /** The latest sweep slot a run was started for. */
  lastSweepAt?: Date;
  createdAt: Date;
  updatedAt: Date;
};

export type AudienceRunKind = "RECALCULATE" | "IMPORT" | "SWEEP" | "DELETE";
export type RunStatus = "RUNNING" | "DONE" | "FAILED";

/**
 * One audience run: how many commands it sent to customers (`total`, final once `sendingDone`),
 * and what came back (`entered`, `exited`, `unchanged`), counted from the membership facts.
 * `countedSeq` is the CHANGES sequence up to which those facts are counted, so a redelivered fact
 * is never counted twice.
 */
export type AudienceRun = {
  _id: string;
  account: string;
  audienceId: string;
  kind: AudienceRunKind;
  status: RunStatus;
  total: number;
  sendingDone: boolean;
  entered: number;
  exited: number;
  unchanged: number;
  countedSeq: number;
  errors: string[];
  errorCount: number;
  startedAt: Date;
  /** When the run last sent a command or had an answer counted (absent on runs stored before it existed). */
  progressedAt?: Date;
  finishedAt?: Date;
};

/** An audience as `createAudience` / `updateAudience` receive it, already validated. */
export type AudienceInput = {
  name: string;
  description?: string;
  kind: AudienceKind;
  /** A valid rule for RULES audiences; absent for STATIC ones. */
  rules?: unknown;
  /** A valid cron expression; RULES audiences default to hourly. */
  sweepSchedule?: string;
};

/** One entry of the `membershipChanges` subscription. */
export type MembershipChange = {
  audienceId: string;
  customerId: string;
  change: MembershipChangeKind;
  at: string;
};

/**
 * What the audience mutations do beyond reading the store: keep the workers' copies of the
 * definitions current and start runs. The `audiences` actors implement it; the GraphQL schema
 * calls it. Errors: `AudienceNotFoundError`, `AudienceBusyError`, `AudienceRequestRefusedError`,
 * `AudienceNameTakenError`, `UnavailableError`.
 */
export type AudienceOperations = {
  create: (account: string, input: AudienceInput) => Promise<Audience>;
  /** A rule change starts a RECALCULATE run. */
  update: (account: string, id: string, input: AudienceInput) => Promise<Audience>;
  recalculate: (account: string, id: string) => Promise<AudienceRun>;
  /** Reads a CSV with a `customerId` column as it arrives; the run counts bad lines in `errors`. */
  importMembers: (account: string, id: string, csv: ReadableStream<Uint8Array>) => Promise<AudienceRun>;
  delete: (account: string, id: string) => Promise<AudienceRun>;
  /** Live membership changes of one audience, until `signal` aborts. */
  membershipChanges: (account: string, audienceId: string, signal: AbortSignal) => AsyncIterable<MembershipChange>;
};
