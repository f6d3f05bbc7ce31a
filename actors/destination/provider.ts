import type { Logger } from "pino";
import type { ConsentPurpose, CustomerFactType } from "../../model/index.ts";
import type { BrazeIntegrationDocument, Integrations } from "../../store/index.ts";
import type { ExpandedMessage } from "./resyncedFacts.ts";
import type { BackoffOptions } from "./retryPolicy.ts";
import type { WindowReading } from "./windowReading.ts";

/**
 * The contract of a destination provider (`braze/`, later `webhook/`, `s3/`, …). The generic sync
 * (integrationSync.ts) owns what every destination needs: the CHANGES consumer and its windows,
 * each customer's order, consent, the limiter, retries, partial failures, the sync log, status
 * and the lease. A provider says only what is its own: which facts it wants and which consent
 * purpose gates them, its limits, how a window of facts becomes calls (its planner: the mapping),
 * how a call is sent (its client) and what an answer means (its classifier). Adding one is a
 * folder of its own plus one line in providers.ts.
 */
export type DestinationProvider<Settings, Own, Call extends PlannedCall, Answer> = {
  /** The `kind` of the integrations it syncs. */
  kind: string;
  /** Its name in messages (an integration's `lastError`). */
  name: string;
  /** Nothing of a customer who DENIED this purpose is sent, deletions aside (consentGate.ts). */
  consentPurpose: ConsentPurpose;
  /** The facts it maps; the others are never handed to its mapping. */
  wants: readonly CustomerFactType[];
  limits: DestinationLimits;
  /** An integration's own changes to `limits`, from its settings (a webhook's `maxPerSecond`). */
  limitsOf?: (settings: Settings) => Partial<DestinationLimits>;
  /**
   * Its calls are named after the window's sequences (S3 keys): each window is recorded before its
   * first call, so that after a crash it is handled again whole, never regrouped with later facts
   * into calls of other names. Others record a window with its first finished call.
   */
  recordsWindowFirst?: boolean;
  /** The provider account an integration sends to: integrations of one account share its limiter. */
  accountOf: (integration: StoredIntegration<Settings>, secret: string) => string;
  /** Opens one integration's planner and client, for as long as its sync runs. */
  connect: (
    integration: StoredIntegration<Settings>,
    secret: string,
    deps: ConnectDependencies,
  ) => ProviderConnection<Own, Call, Answer>;
  /** The classifier: what an answer (or its absence) means. `attempt` counts this call's tries so far. */
  classify: (answer: Answer, attempt: number, nowMs: number, backoff: BackoffOptions) => AnswerClass;
};

/** A provider's limits and the sync's tuning for it (tests and configuration may change any). */
export type DestinationLimits = {
  /** Calls one provider account allows per rolling `windowMs` (rollingLimiter.ts). */
  callsPerWindow: number;
  windowMs: number;
  /** Calls in flight at once, across the windows being sent. */
  concurrency: number;
  /** Most facts in one window, and how long a window waits to fill. */
  windowSize: number;
  /** Windows handled at once (integrationConsumer.ts): more keep more calls in flight, and more facts in memory. */
  windowsHandled: number;
  flushDelayMs: number;
  /** A call without an answer after this long is retried. */
  callTimeoutMs: number;
  backoff: BackoffOptions;
};

/** The limits, and where windows are planned for providers that can plan on a thread of their own. */
export type SyncTuning = DestinationLimits & { planOnThread?: boolean };

/** Changes to a provider's tuning (configuration, tests): any limit, and either part of its backoff. */
export type TuningChanges = Partial<Omit<SyncTuning, "backoff">> & { backoff?: Partial<BackoffOptions> };

/** A stored integration as its provider reads it: the store's document, with the provider's settings. */
export type StoredIntegration<Settings> = Omit<BrazeIntegrationDocument, "kind" | "settings"> & {
  kind: string;
  settings: Settings;
};

export type ConnectDependencies = { integrations: Integrations; tuning: SyncTuning; log: Logger };

/** One integration's provider side while its sync runs. */
export type ProviderConnection<Own, Call extends PlannedCall, Answer> = {
  /** The provider's own part of a window's context as of now (Braze: its batch mode). */
  context: () => Own;
  planner: WindowPlanner<Own, Call>;
  /** The client: sends one call and returns its answer (an answer, never a throw, for network errors). */
  send: (call: Call, signal: AbortSignal) => Promise<Answer>;
  /**
   * The provider refused a call as too large: from now on calls are smaller (Braze: COMBINED),
   * and that call goes again in the parts `planner.split` cuts it into.
   */
  tooLarge?: () => Promise<void>;
};

/** A call of a plan: the customers it is about, whose calls go one after another, in plan order. */
export type PlannedCall = { customers: readonly string[] };

/**
 * What a window's plan is decided with besides its facts: the customers who had denied the
 * consent purpose at its start, the provider's own part, and, for a window holding resyncs, the
 * audiences (id, name) they were read with (resyncedFacts.ts). Recorded with the window, so that a
 * window left open by a crash is read and planned again identically.
 */
export type WindowContext<Own> = Own & { denied: string[]; resyncAudiences?: [id: string, name: string][] };

/**
 * Turns windows of facts into calls, wherever the provider likes (Braze: on a thread). Windows are
 * known by their first stream sequence until forgotten; calls by their index in the window's plan.
 */
export type WindowPlanner<Own, Call extends PlannedCall> = {
  /** A window once its resyncs are expanded (resyncedFacts.ts): a fact a resync stands for carries its id. */
  read: (window: ExpandedMessage[]) => Promise<WindowReading>;
  plan: (fromSeq: number, context: WindowContext<Own>) => Promise<Call[]>;
  /** Call `index` cut into parts the provider accepts; needed by providers that answer `tooLarge`. */
  split?: (fromSeq: number, index: number) => Promise<Call[]>;
  /** What call `index` (or its part) carries, for the sync log: asked only when something is refused. */
  carried: (fromSeq: number, index: number, part?: number) => Promise<CallItem[]>;
  forget: (fromSeq: number) => void;
  close: () => Promise<void>;
};

/**
 * One thing a call carries: whose, what (`attributes`, `events`, `delete`, …) and from which
 * fact. `at` locates it in the call for answers that name what they refuse (Braze: `events/3`).
 */
export type CallItem = { customerId: string; item: string; factId: string; part: number; at?: string };

/**
 * What an answer means. `delivered` may name items refused for good (a partial failure; the
 * others went through); `refused` refuses every item of the call for good; `retry` sends it again
 * after `delayMs` (`rateLimited`: every call waits); `misconfigured` pauses the integration as
 * FAILING until its configuration changes (DISABLED with `disable`: the provider asked to be sent
 * nothing more, as a webhook's 410 Gone); `tooLarge` cuts the call into parts. `holdUntil`: the
 * provider says the account has no calls left until then (someone else may be spending them).
 */
export type AnswerClass = (
  | { kind: "delivered"; status: number; refused?: { at: string; message: string }[] }
  | { kind: "refused"; status: number; message: string }
  | { kind: "retry"; delayMs: number; reason: string; rateLimited?: boolean }
  | { kind: "misconfigured"; reason: string; disable?: true }
  | { kind: "tooLarge" }
) & { holdUntil?: number };
