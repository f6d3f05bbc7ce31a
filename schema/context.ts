import type {
  Accounts,
  ApiKeyRole,
  ApiKeys,
  AudienceDocument,
  AudienceMembers,
  AudienceRunDocument,
  AudienceRuns,
  Audiences,
  Customers,
  Integrations,
  SecretBox,
  SyncLog,
} from "../store/index.ts";
import type { CommandPublisher, MembershipChangeKind } from "../streams/index.ts";
import { forbidden, unauthenticated } from "./errors.ts";

/** Who is calling: the platform's root key, or one account's API key. */
export type Caller = { kind: "root" } | { kind: "key"; keyId: string; account: string; role: ApiKeyRole };

/** An audience as `createAudience` / `updateAudience` receive it, already validated. */
export type AudienceInput = {
  name: string;
  description?: string;
  kind: "RULES" | "STATIC";
  /** A valid rule (see rules/) for RULES audiences; absent for STATIC ones. */
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
 * definitions current and start runs. Errors: `AudienceNotFoundError`, `AudienceBusyError`, `AudienceRequestRefusedError`,
 * `AudienceNameTakenError`, `UnavailableError` (see actors/audience/).
 */
export type AudienceOperations = {
  create: (account: string, input: AudienceInput) => Promise<AudienceDocument>;
  /** A rule change starts a RECALCULATE run. */
  update: (account: string, id: string, input: AudienceInput) => Promise<AudienceDocument>;
  recalculate: (account: string, id: string) => Promise<AudienceRunDocument>;
  /** Reads a CSV with a `customerId` column as it arrives; the run counts bad lines in `errors`. */
  importMembers: (account: string, id: string, csv: ReadableStream<Uint8Array>) => Promise<AudienceRunDocument>;
  delete: (account: string, id: string) => Promise<AudienceRunDocument>;
  /** Live membership changes of one audience, until `signal` aborts. */
  membershipChanges: (account: string, audienceId: string, signal: AbortSignal) => AsyncIterable<MembershipChange>;
};

/** What resolvers may use; built once per process and shared by every request. */
export type Services = {
  publisher: CommandPublisher;
  accounts: Accounts;
  apiKeys: ApiKeys;
  customers: Customers;
  audiences: Audiences;
  audienceRuns: AudienceRuns;
  audienceMembers: AudienceMembers;
  audienceOperations: AudienceOperations;
  integrations: Integrations;
  syncLog: SyncLog;
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
