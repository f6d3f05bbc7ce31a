import type { Logger } from "pino";
import type { CustomerIdPages, CustomersDenying, IntegrationResync, Integrations, SyncLog } from "../../store/index.ts";
import type { CommandPublisher, NatsLink } from "../../streams/index.ts";
import { createCallSender, progressRecorder } from "./callSender.ts";
import { MisconfiguredError } from "./deliverCall.ts";
import {
  type DeliveredMessage,
  type IntegrationConsumer,
  startIntegrationConsumer,
  type WindowHandling,
  type WindowOutcome,
} from "./integrationConsumer.ts";
import { decideHealth, type HealthEvent, initialHealth } from "./integrationHealth.ts";
import { createIntegrationResyncs } from "./integrationResync.ts";
import { LeaseLapsedError } from "./leaseLapsedError.ts";
import { createOrderedCalls } from "./orderedCalls.ts";
import type {
  DestinationLimits,
  DestinationProvider,
  PlannedCall,
  StoredIntegration,
  SyncTuning,
  TuningChanges,
  WindowContext,
} from "./provider.ts";
import { type AudienceNames, expandResyncs } from "./resyncedFacts.ts";
import type { RollingLimiter } from "./rollingLimiter.ts";
import { createStatusWriter } from "./statusWriter.ts";
import { openProgressBook } from "./windowProgress.ts";

export type SyncDependencies<Settings> = {
  link: NatsLink;
  integration: StoredIntegration<Settings>;
  /** The integration's secret (an API key, a token), opened. */
  secret: string;
  integrations: Integrations;
  syncLog: SyncLog;
  /** Who denied a consent purpose, as the store has it: read once, when the sync starts. */
  customersDenying: CustomersDenying;
  /** The account's customer ids, page by page, for a full resync. */
  customerIds: CustomerIdPages;
  /** Where a resync's `integration.resync` commands are published. */
  commands: CommandPublisher;
  /** An account's audiences as they are now, read when a window holds a resync. */
  audienceNames: (account: string) => Promise<AudienceNames>;
  /** The limiter of a provider account, shared by the integrations that send to it. */
  limiterFor: (account: string, limits: DestinationLimits) => RollingLimiter;
  /** Changes to the provider's limits (configuration, tests). */
  tuning?: TuningChanges;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * True while this process's lease on the integration holds (worker.ts): once it ends, no call
   * is sent, no progress or status written and no window acked for it, and the sync stops.
   */
  holds: () => boolean;
  log: Logger;
  /** Told how every call to the provider was answered (operations figures, docs/operations.md). */
  onCallAnswered?: CallObserver;
};

/** A call to a provider was answered: delivered, refused, to be retried, too large or misconfigured. */
export type CallObserver = (call: { provider: string; verdict: string }) => void;

export type IntegrationSync = {
  /** Resolves when the consumer stops: asked to, paused as FAILING, or reconfigured. */
  stopped: Promise<void>;
  stop: () => Promise<void>;
  /** Runs the integration's resync under way (`resync` in the store), unless it runs already. */
  resync: (resync: IntegrationResync) => void;
};

/** How long a finished call may wait to be recorded, so that one write records many (windowProgress.ts). */
const PROGRESS_WRITE_DELAY_MS = 25;

/** How long a status the store did not take waits before it is written again. */
const STATUS_RETRY_MS = 1_000;

/**
 * Syncs one integration's facts to its provider, window by window (see integrationConsumer.ts):
 * the provider plans each window's calls, with the consent at the window's start that only the
 * store knows; the calls go out each customer's in order, through the provider account's limiter;
 * each finished call is recorded in the window's progress so a crash never resends it; what the
 * provider refuses is logged; and a misconfigured integration pauses as FAILING, keeping its backlog.
 */
export async function startIntegrationSync<Settings, Own, Call extends PlannedCall, Answer>(
  provider: DestinationProvider<Settings, Own, Call, Answer>,
  deps: SyncDependencies<Settings>,
): Promise<IntegrationSync> {
  const { integration } = deps;
  const tuning: SyncTuning = {
    ...provider.limits,
    ...provider.limitsOf?.(integration.settings),
    ...deps.tuning,
    backoff: { ...provider.limits.backoff, ...deps.tuning?.backoff },
  };
  const log = deps.log.child({ integration: integration._id, account: integration.account });
  const limiter = deps.limiterFor(`${provider.kind}|${provider.accountOf(integration, deps.secret)}`, tuning);
  const connection = provider.connect(integration, deps.secret, { integrations: deps.integrations, tuning, log });
  const { planner } = connection;
  const book = await openProgressBook<WindowContext<Own>>(deps.link.nc, integration._id, {
    delayMs: PROGRESS_WRITE_DELAY_MS,
    holds: deps.holds,
  });
  const calls = createOrderedCalls(tuning.concurrency);
  /** Aborted on the first MisconfiguredError or LeaseLapsedError: no call still waiting is sent. */
  const halted = new AbortController();
  /**
   * The customers who had denied the provider's consent purpose as of the last window read: the
   * store's at the start, then as each window's profile changes leave them. Read once, not per
   * window (looking a window's customers up cost seconds a window on a store without indexes), and
   * while the consumer opens and fetches: the first window waits for it, read again if it failed.
   */
  let deniedRead: Promise<Set<string>> | undefined;
  const deniedSoFar = () => {
    deniedRead ??= deps.customersDenying(integration.account, provider.consentPurpose).then(
      (ids) => new Set(ids),
      (error: unknown) => {
        deniedRead = undefined;
        throw error;
      },
    );
    return deniedRead;
  };
  // A failure here is the first window's to report (its preparation is retried).
  deniedSoFar().catch(() => undefined);
  const statusWriter = createStatusWriter({
    // A status decided after the lease ended is not this process's to store: the next holder decides its own.
    store: async ({ status, lastError }) => {
      if (deps.holds()) await deps.integrations.setStatus(integration._id, status, lastError);
    },
    retryMs: STATUS_RETRY_MS,
    sleep: deps.sleep,
    log,
  });
  /** Decided from every window in flight, so that one window's answer never hides another's retries. */
  let health = initialHealth(integration.status, integration.resync?.reason === "GAP");
  const tellHealth = (event: HealthEvent) => {
    const decided = decideHealth(health, event);
    health = decided.state;
    if (decided.change) statusWriter.write(decided.change);
  };
  const resyncs = createIntegrationResyncs({
    integrationId: integration._id,
    account: integration.account,
    customerIds: deps.customerIds,
    commands: deps.commands,
    integrations: deps.integrations,
    syncLog: deps.syncLog,
    sleep: deps.sleep,
    holds: deps.holds,
    log,
    health: tellHealth,
  });

  /**
   * Decodes and plans a window ahead of its turn; the consent it leaves is the next window's start.
   * A window read after the configuration changed is not planned: the sync restarts with the new one.
   */
  const prepare = async (window: DeliveredMessage[]): Promise<PreparedWindow<Own, Call> | "reconfigured"> => {
    if ((await deps.integrations.get(integration._id))?.configVersion !== integration.configVersion) {
      return "reconfigured";
    }
    const denied = await deniedSoFar();
    const fromSeq = window[0]?.seq ?? 0;
    // A customer's resync for this integration is read as the facts it stands for (resyncedFacts.ts),
    // with the audiences it was first read with when a crash or a pause left the window open.
    const recorded = book.find(fromSeq)?.context.resyncAudiences;
    let resyncAudiences: [string, string][] | undefined;
    const expanded = await expandResyncs(window, integration._id, async () => {
      const names = recorded ? new Map(recorded) : await deps.audienceNames(integration.account);
      resyncAudiences = [...names];
      return names;
    });
    const read = await planner.read(expanded);
    for (const { seq, reason } of read.unreadable) log.error({ seq, reason }, "unreadable fact in CHANGES skipped");
    const context: WindowContext<Own> = {
      ...connection.context(),
      // Of the customers whose consent at the window's start matters, those who had denied the purpose.
      denied: read.needingConsent.filter((customerId) => denied.has(customerId)),
      ...(resyncAudiences ? { resyncAudiences } : {}),
    };
    for (const [customerId, denies] of read.consentAfter) {
      if (denies) denied.add(customerId);
      else denied.delete(customerId);
    }
    return { fromSeq, toSeq: window.at(-1)?.seq ?? 0, context, calls: await planner.plan(fromSeq, context) };
  };

  const handle = async (
    prepared: PreparedWindow<Own, Call> | "reconfigured",
    signal: AbortSignal,
  ): Promise<WindowHandling> => {
    if (prepared === "reconfigured") {
      log.info("the integration's configuration changed; its sync restarts with it");
      return { outcome: Promise.resolve("paused") };
    }
    let progress = book.find(prepared.fromSeq);
    if (!progress) {
      // Written with its first finished call (before its first call, for providers that ask):
      // until then, a crash has nothing of it to remember.
      progress = {
        fromSeq: prepared.fromSeq,
        toSeq: prepared.toSeq,
        // The provider's part (Braze: its batch mode) may have changed since the window was prepared.
        context: { ...prepared.context, ...connection.context() },
        done: [],
        parts: {},
      };
      book.add(progress);
      if (provider.recordsWindowFirst) {
        book.changed();
        await book.flushed();
      }
    }
    // A window left open by a crash or a pause is planned again exactly as it was first.
    const planned = sameContext(progress.context, prepared.context)
      ? prepared.calls
      : await planner.plan(prepared.fromSeq, progress.context);
    const sender = createCallSender({
      provider,
      connection,
      fromSeq: prepared.fromSeq,
      integration,
      syncLog: deps.syncLog,
      recorder: progressRecorder(book, progress),
      delivery: {
        limiter,
        backoff: tuning.backoff,
        now: deps.now,
        sleep: deps.sleep,
        holds: deps.holds,
        onTried: (verdict) => deps.onCallAnswered?.({ provider: provider.kind, verdict }),
      },
      health: tellHealth,
    });
    const stop = AbortSignal.any([signal, halted.signal]);
    const done = new Set(progress.done);

    const send = async (call: Call, index: number) => {
      try {
        await sender.send(call, index, stop);
      } catch (error) {
        // No call still waiting is sent with a configuration the provider refuses, nor without the lease.
        if (error instanceof MisconfiguredError || error instanceof LeaseLapsedError) halted.abort(error);
        throw error;
      }
    };
    const sending = planned.flatMap((call, index) =>
      done.has(index) ? [] : [calls.run(call.customers, stop, () => send(call, index))],
    );

    const outcome = (async (): Promise<WindowOutcome> => {
      const ends = await Promise.allSettled(sending);
      // What finished is recorded before anyone handles the window again.
      await book.flushed();
      const failures = ends.flatMap((end) => (end.status === "rejected" ? [end.reason as unknown] : []));
      if (failures.some((failure) => failure instanceof LeaseLapsedError)) {
        log.warn(
          { fromSeq: prepared.fromSeq },
          "the integration's lease ended; sync stopped, window left to its next holder",
        );
        return "paused";
      }
      const refusal = failures.find((failure) => failure instanceof MisconfiguredError);
      if (refusal) {
        log.error({ reason: refusal.message }, "the provider refused the configuration; integration paused");
        tellHealth({ type: "refused", reason: `${provider.name}: ${refusal.message}`, status: refusal.status });
        // Stored before the sync ends, or the worker would start it again as if still wanted.
        await statusWriter.stored();
        return "paused";
      }
      if (failures.length > 0) throw failures[0];
      planner.forget(prepared.fromSeq);
      return "done";
    })();
    return { outcome };
  };

  // Before the consumer starts: a gap it finds replaces this resync with one from the first customer.
  if (integration.resync) resyncs.run(integration.resync);
  const consumer: IntegrationConsumer = await startIntegrationConsumer<PreparedWindow<Own, Call> | "reconfigured">({
    link: deps.link,
    integrationId: integration._id,
    account: integration.account,
    since: integration.createdAt,
    ...(integration.replay ? { replayFrom: integration.replay.since } : {}),
    windowSize: tuning.windowSize,
    windowsHandled: tuning.windowsHandled,
    flushDelayMs: tuning.flushDelayMs,
    openWindows: async () => book.leftOpen,
    forgetWindow: (fromSeq) => book.close(fromSeq),
    holds: deps.holds,
    prepare,
    handle,
    onGap: resyncs.gapFound,
    log,
  }).catch(async (error: unknown) => {
    await resyncs.stop();
    throw error;
  });
  // Reading from its time now: a later start goes on from what this one acks, not from that time again.
  // Unrecorded, the next start replays from that time again: more sent twice, nothing lost.
  if (integration.replay) {
    await deps.integrations
      .finishReplay(integration._id, integration.replay.id)
      .catch((error: unknown) =>
        log.warn({ err: error }, "replay not recorded as started; the next start replays again"),
      );
  }
  const stopped = consumer.stopped.finally(async () => {
    await resyncs.stop();
    // A status still unstored is given up: the next sync starts from the stored one and decides again.
    statusWriter.stop();
    // Windows acked since the last write leave the record now, not at the next start.
    await book.flushed().catch((error) => log.warn({ err: error }, "progress not recorded at stop"));
    await planner.close();
  });
  return { stopped, stop: consumer.stop, resync: resyncs.run };
}

/** A window decoded and planned ahead of its turn, with what the plan was decided with. */
type PreparedWindow<Own, Call> = {
  fromSeq: number;
  toSeq: number;
  context: WindowContext<Own>;
  calls: Call[];
};

/** Same consent at the start, the same resync audiences, and the same provider part (its fields compared one by one). */
function sameContext<Own>(a: WindowContext<Own>, b: WindowContext<Own>): boolean {
  const sameDenied = a.denied.length === b.denied.length && a.denied.every((id, i) => id === b.denied[i]);
  const sameAudiences = JSON.stringify(a.resyncAudiences) === JSON.stringify(b.resyncAudiences);
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const generic = new Set(["denied", "resyncAudiences"]);
  return (
    sameDenied &&
    sameAudiences &&
    [...keys].every((key) => generic.has(key) || Reflect.get(a, key) === Reflect.get(b, key))
  );
}
