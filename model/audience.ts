import { z } from "zod";
import type { MembershipChangeKind } from "./facts.ts";

/** The longest audience name, in characters (Unicode code points). */
export const AUDIENCE_NAME_MAX_LENGTH = 100;

/** The name whose attribute, `masivo_tags`, holds the customer's tags in Braze. */
const RESERVED_AUDIENCE_NAME = "tags";

/**
 * Letters, marks, digits, punctuation, symbols and the plain space: what prints. Control and
 * format characters (NUL, tab, newline, zero-width or bidi marks), other spaces (a no-break space
 * would look like a space yet name another attribute), line separators, private-use and
 * unassigned code points are refused.
 */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

/**
 * What makes two names the same audience: names differing only in letter case or in Unicode
 * composition (an `é` typed as one code point or as `e` and an accent) are the same name.
 */
export function audienceNameKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

/**
 * Why `name` cannot name an audience, or undefined when it can. Braze receives the name as the
 * custom attribute `masivo_<name>` (at most 107 characters, within Braze's 255): 1–100 printable
 * characters, spaces inside it included, not starting with `$` (Braze reserves it) and not `tags`
 * in any case. One reason at a time, the most basic first.
 */
function audienceNameProblem(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
  if ([...name].length > AUDIENCE_NAME_MAX_LENGTH) return `must be at most ${AUDIENCE_NAME_MAX_LENGTH} characters`;
  if (!PRINTABLE.test(name)) {
    return "may hold only printable characters (letters, digits, punctuation, symbols and spaces)";
  }
  if (name.trim() !== name) return "must not start or end with a space";
  if (name.startsWith("$")) return "must not start with $ (Braze reserves it)";
  if (audienceNameKey(name) === RESERVED_AUDIENCE_NAME) {
    return `"${RESERVED_AUDIENCE_NAME}" is reserved: Braze gets the customer's tags as masivo_${RESERVED_AUDIENCE_NAME}`;
  }
  return undefined;
}

/** An audience name (see `audienceNameProblem`). */
export const audienceNameSchema = z.string().superRefine((name, context) => {
  const problem = audienceNameProblem(name);
  if (problem) context.addIssue({ code: "custom", message: problem });
});

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
  /**
   * Members with push consent have their device tokens in the audience's FCM topic
   * (docs/channels.md, "Push topics"). Absent means off.
   */
  pushTopic?: boolean;
  /** Current member count, kept by the membership tracker. */
  size: number;
  /** Set by `deleteAudience`: no longer evaluated, being emptied, then removed. */
  deleting: boolean;
  /** The run that holds the audience: runs of one audience never overlap. */
  lock?: { runId: string; until: Date };
  /** The latest sweep slot a run was started for. */
  lastSweepAt?: Date;
  /**
   * Why the audience's definition did not reach the customer workers, so its members do not change
   * in real time, in words a client may read; absent once it did (the audience is then HEALTHY).
   */
  lastError?: string;
  createdAt: Date;
  updatedAt: Date;
};

export type AudienceRunKind = "RECALCULATE" | "IMPORT" | "SWEEP" | "DELETE" | "RENAME" | "PUSH_TOPIC";
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
  /** Members' device tokens follow the audience's FCM topic; absent keeps what it was (off for a new one). */
  pushTopic?: boolean;
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
  /** A rule change starts a RECALCULATE run; a new name, a RENAME run; `pushTopic` turned on or off, a PUSH_TOPIC run. */
  update: (account: string, id: string, input: AudienceInput) => Promise<Audience>;
  recalculate: (account: string, id: string) => Promise<AudienceRun>;
  /** Reads a CSV with a `customerId` column as it arrives; the run counts bad lines in `errors`. */
  importMembers: (account: string, id: string, csv: ReadableStream<Uint8Array>) => Promise<AudienceRun>;
  delete: (account: string, id: string) => Promise<AudienceRun>;
  /** Live membership changes of one audience, until `signal` aborts. */
  membershipChanges: (account: string, audienceId: string, signal: AbortSignal) => AsyncIterable<MembershipChange>;
};
