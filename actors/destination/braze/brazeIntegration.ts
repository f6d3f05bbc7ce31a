import { availableParallelism } from "node:os";
import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import {
  type Customers,
  customerKey,
  type IntegrationDocument,
  type IntegrationStatus,
  type Integrations,
  type SyncLog,
  type SyncLogEntry,
} from "../../../store/index.ts";
import type { NatsLink } from "../../../streams/index.ts";
import {
  type IntegrationConsumer,
  startIntegrationConsumer,
  type WindowHandling,
  type WindowMessage,
  type WindowOutcome,
} from "../integrationConsumer.ts";
import { createOrderedCalls } from "../orderedCalls.ts";
import type { BackoffOptions } from "../retryPolicy.ts";
import type { RollingLimiter } from "../rollingLimiter.ts";
import { openProgressBook, type ProgressBook, type WindowProgress } from "../windowProgress.ts";
import { itemsOfError } from "./batchCalls.ts";
import { type BrazeClient, createBrazeClient } from "./brazeClient.ts";
import { type BrazeOrigin, TRACK_ARRAYS } from "./brazeObjects.ts";
import { type CallEnd, deliverCall, MisconfiguredError } from "./deliverCall.ts";
import { startWindowPlanner, type WindowPlanner } from "./planning/brazePlanner.ts";
import type { Carried, SerializedCall, SerializedPlan } from "./planning/callBodies.ts";
import type { BrazeWindowContext } from "./planning/windowCalls.ts";

/** Tuning of one Braze integration's sync. */
export type BrazeSyncOptions = {
  /** Most facts in one window. */
  windowSize: number;
  /** How long a window waits to fill. */
  flushDelayMs: number;
  /** Calls in flight at once, across the windows being sent. */
  concurrency: number;
  /** Windows are decoded and planned on a thread of their own, not on the event loop. */
  planOnThread: boolean;
  callTimeoutMs: number;
  backoff: BackoffOptions;
};

/**
 * Calls in flight = rate × latency: Braze's 1,000 calls/s at 50–150 ms an answer needs about a
 * hundred at once, and a window (~100 facts a call) should hold at least that many calls.
 */
export const DEFAULT_BRAZE_SYNC: BrazeSyncOptions = {
  windowSize: 10_000,
  flushDelayMs: 250,
  concurrency: 100,
  // With two cores or fewer, a thread only adds the cost of handing windows over (README, bench:braze).
  planOnThread: availableParallelism() > 2,
  callTimeoutMs: 30_000,
  backoff: { baseMs: 500, maxMs: 60_000 },
};

export type BrazeIntegrationDependencies = {
  link: NatsLink;
  integration: IntegrationDocument;
  apiKey: string;
  integrations: Integrations;
  syncLog: SyncLog;
  customers: Customers;
  /** The limiter of the Braze account (endpoint and key) this integration sends to. */
  limiter: RollingLimiter;
  options: BrazeSyncOptions;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  log: Logger;
};

export type BrazeIntegration = {
  /** Resolves when the consumer stops: asked to, paused as FAILING, or reconfigured. */
  stopped: Promise<void>;
  stop: () => Promise<void>;
};

type Progress = WindowProgress<BrazeWindowContext>;

/**
 * Syncs one account's facts to its Braze integration, window by window (see integrationConsumer.ts):
 * plans the window's calls (planWindow.ts), sends them through the account's limiter, records each
 * finished call in the window's progress so a crash never resends it, logs what Braze refused,
 * and pauses the integration as FAILING on 401/403, keeping its backlog.
 */
export async function startBrazeIntegration(deps: BrazeIntegrationDependencies): Promise<BrazeIntegration> {
  const { integration, options } = deps;
  const log = deps.log.child({ integration: integration._id, account: integration.account });
  const client = createBrazeClient({
    restEndpoint: integration.settings.restEndpoint,
    apiKey: deps.apiKey,
    timeoutMs: options.callTimeoutMs,
  });
  const book = await openProgressBook<BrazeWindowContext>(deps.link.nc, integration._id, PROGRESS_WRITE_DELAY_MS);
  const calls = createOrderedCalls(options.concurrency);
  /** Aborted on the first 401/403: no call still waiting is sent. */
  const misconfigured = new AbortController();
  const consent = new LRUCache<string, boolean>({ max: 200_000 });
  const planner: WindowPlanner = startWindowPlanner(integration.settings, { onThread: options.planOnThread });
  let mode = integration.combinedSince ? "COMBINED" : integration.settings.batchLimit;
  let status: IntegrationStatus = integration.status;

  const setStatus = async (next: IntegrationStatus, lastError?: string) => {
    if (next === status && lastError === undefined) return;
    status = next;
    await deps.integrations.setStatus(integration._id, next, lastError);
  };

  /** Of the customers whose consent at the window's start matters, those who had denied data sharing. */
  const deniedAtStart = async (customers: string[]): Promise<string[]> => {
    const unknown = customers.filter((id) => !consent.has(id));
    const stored = await deps.customers.loadMany(unknown.map((id) => customerKey(integration.account, id)));
    for (const id of unknown) {
      const document = stored.get(customerKey(integration.account, id));
      consent.set(id, document !== undefined && !document.deleted && document.consent.dataSharing === "DENIED");
    }
    return customers.filter((id) => consent.get(id));
  };

  /**
   * Decodes and plans a window ahead of its turn; the consent it leaves is the next window's start.
   * A window read after the configuration changed is not planned: the sync restarts with the new one.
   */
  const prepare = async (window: WindowMessage[]): Promise<PreparedWindow | "reconfigured"> => {
    if ((await deps.integrations.get(integration._id))?.configVersion !== integration.configVersion) {
      return "reconfigured";
    }
    const fromSeq = window[0]?.seq ?? 0;
    const read = await planner.read(window);
    for (const { seq, reason } of read.unreadable) log.error({ seq, reason }, "unreadable fact in CHANGES skipped");
    const context: BrazeWindowContext = { mode, denied: await deniedAtStart(read.needingConsent) };
    for (const [customerId, denied] of read.consentAfter) consent.set(customerId, denied);
    return { fromSeq, toSeq: window.at(-1)?.seq ?? 0, context, plan: await planner.plan(fromSeq, context) };
  };

  const handle = async (prepared: PreparedWindow | "reconfigured", signal: AbortSignal): Promise<WindowHandling> => {
    if (prepared === "reconfigured") {
      log.info("the integration's configuration changed; its sync restarts with it");
      return { outcome: Promise.resolve("paused") };
    }
    let progress = book.find(prepared.fromSeq);
    if (!progress) {
      // Written with its first finished call: until then, a crash has nothing of it to remember.
      progress = {
        fromSeq: prepared.fromSeq,
        toSeq: prepared.toSeq,
        // The batch limit may have changed since the window was prepared.
        context: { ...prepared.context, mode },
        done: [],
        parts: {},
      };
      book.add(progress);
    }
    // A window left open by a crash or a pause is planned again exactly as it was first.
    const plan = sameContext(progress.context, prepared.context)
      ? prepared.plan
      : await planner.plan(prepared.fromSeq, progress.context);
    const sender = createCallSender({
      deps,
      client,
      recorder: progressRecorder(book, progress),
      split: (index) => planner.split(prepared.fromSeq, index),
      carried: (index, part) => planner.carried(prepared.fromSeq, index, part),
      setStatus,
      switchToCombined: async () => {
        mode = "COMBINED";
        await deps.integrations.switchToCombined(integration._id);
        log.warn("Braze refused a call as too long: this account is now sent 75 objects per call in all");
      },
    });
    const stop = AbortSignal.any([signal, misconfigured.signal]);
    const done = new Set(progress.done);

    const send = async (call: SerializedCall, index: number) => {
      try {
        await sender.send(call, index, stop);
      } catch (error) {
        // No call still waiting is sent with a key Braze refuses.
        if (error instanceof MisconfiguredError) misconfigured.abort(error);
        throw error;
      }
    };
    const sending = plan.calls.flatMap((call, index) =>
      done.has(index) ? [] : [calls.run(call.customers, stop, () => send(call, index))],
    );

    const outcome = (async (): Promise<WindowOutcome> => {
      const ends = await Promise.allSettled(sending);
      // What finished is recorded before anyone handles the window again.
      await book.flushed();
      const failures = ends.flatMap((end) => (end.status === "rejected" ? [end.reason as unknown] : []));
      const refusal = failures.find((failure) => failure instanceof MisconfiguredError);
      if (refusal) {
        log.error({ reason: refusal.message }, "Braze refused the configuration; integration paused");
        await setStatus("FAILING", `Braze: ${refusal.message}`);
        return "paused";
      }
      if (failures.length > 0) throw failures[0];
      planner.forget(prepared.fromSeq);
      return "done";
    })();
    return { outcome };
  };

  const consumer: IntegrationConsumer = await startIntegrationConsumer<PreparedWindow | "reconfigured">({
    link: deps.link,
    integrationId: integration._id,
    account: integration.account,
    since: integration.createdAt,
    windowSize: options.windowSize,
    flushDelayMs: options.flushDelayMs,
    openWindows: async () => book.leftOpen,
    forgetWindow: (fromSeq) => book.close(fromSeq),
    prepare,
    handle,
    log,
  });
  const stopped = consumer.stopped.finally(async () => {
    // Windows acked since the last write leave the record now, not at the next start.
    await book.flushed().catch((error) => log.warn({ err: error }, "progress not recorded at stop"));
    await planner.close();
  });
  return { stopped, stop: consumer.stop };
}

/** A window decoded and planned ahead of its turn, with what the plan was decided with. */
type PreparedWindow = {
  fromSeq: number;
  toSeq: number;
  context: BrazeWindowContext;
  plan: SerializedPlan;
};

function sameContext(a: BrazeWindowContext, b: BrazeWindowContext): boolean {
  return a.mode === b.mode && a.denied.length === b.denied.length && a.denied.every((id, i) => id === b.denied[i]);
}

type ProgressRecorder = {
  done: (index: number) => void;
  partDone: (index: number, part: number) => void;
  startParts: (index: number) => void;
  parts: (index: number) => number[] | undefined;
};

/** How long a finished call may wait to be recorded, so that one write records many (windowProgress.ts). */
const PROGRESS_WRITE_DELAY_MS = 25;

/** Records finished calls, and parts of calls, in the window's progress. */
function progressRecorder(book: ProgressBook<BrazeWindowContext>, progress: Progress): ProgressRecorder {
  return {
    done(index) {
      progress.done.push(index);
      book.changed();
    },
    startParts(index) {
      progress.parts[String(index)] = [];
      book.changed();
    },
    partDone(index, part) {
      progress.parts[String(index)]?.push(part);
      book.changed();
    },
    parts: (index) => progress.parts[String(index)],
  };
}

type CallSenderContext = {
  deps: BrazeIntegrationDependencies;
  client: BrazeClient;
  recorder: ProgressRecorder;
  /** A call of the window cut into COMBINED-sized calls. */
  split: (index: number) => Promise<SerializedCall[]>;
  /** What a call of the window (or a part of one) carries. */
  carried: (index: number, part?: number) => Promise<Carried>;
  setStatus: (status: IntegrationStatus, lastError?: string) => Promise<void>;
  switchToCombined: () => Promise<void>;
};

/** Sends a window's calls and records how each ended. */
function createCallSender(context: CallSenderContext) {
  const { deps, client, recorder } = context;
  const integrationId = deps.integration._id;
  const account = deps.integration.account;
  let retrying = false;
  const delivery = {
    limiter: deps.limiter,
    backoff: deps.options.backoff,
    now: deps.now,
    sleep: deps.sleep,
    onRetry: (reason: string) => {
      retrying = true;
      void context.setStatus("DEGRADED", `retrying: ${reason}`);
    },
    onAnswered: () => {
      if (!retrying) return;
      retrying = false;
      void context.setStatus("HEALTHY");
    },
  };

  /** A sync log line for something Braze refused: a track item (by its type) or a deletion. */
  const entryOf = (
    refused: { customerId: string; origin: BrazeOrigin },
    item: string,
    httpStatus: number,
    message: string,
  ): Omit<SyncLogEntry, "_id" | "at"> => ({
    integrationId,
    account,
    customerId: refused.customerId,
    item,
    factId: refused.origin.factId,
    part: refused.origin.part,
    httpStatus,
    message,
  });

  /** What a track call (or part) carries, by body array and index. */
  const trackRefs = async (index: number, part: number | undefined) => {
    const carried = await context.carried(index, part);
    if (carried.kind !== "track") throw new Error(`call ${index} carries deletions, not track items`);
    return carried.refs;
  };

  /** Sends call `index` (or its part `part`); logs what Braze refused. "tooLong" when it must be split. */
  const sendTrack = async (
    call: SerializedCall,
    at: { index: number; part?: number },
    signal: AbortSignal,
  ): Promise<"sent" | "tooLong"> => {
    const end: CallEnd = await deliverCall(() => client.track(call.body, signal), signal, delivery);
    if (end.kind === "tooLong") return "tooLong";
    if (end.kind === "refused") {
      const refs = await trackRefs(at.index, at.part);
      const items = TRACK_ARRAYS.flatMap((array) => refs[array].flat());
      await deps.syncLog.record(items.map((item) => entryOf(item, item.type, end.status, end.message)));
      return "sent";
    }
    const errors = end.response.body.errors ?? [];
    if (errors.length === 0) return "sent";
    const refs = await trackRefs(at.index, at.part);
    const rejected = errors.flatMap((error) =>
      itemsOfError(refs, error).map((item) => ({ item, message: error.type })),
    );
    if (rejected.length > 0) {
      await deps.syncLog.record(
        rejected.map(({ item, message }) => entryOf(item, item.type, end.response.status, message)),
      );
    }
    return "sent";
  };

  const sendInParts = async (index: number, signal: AbortSignal) => {
    const parts = await context.split(index);
    for (const [part, call] of parts.entries()) {
      if (recorder.parts(index)?.includes(part)) continue;
      if ((await sendTrack(call, { index, part }, signal)) === "tooLong") {
        throw new Error(`Braze refused call ${index}, part ${part}, as too long even in COMBINED mode`);
      }
      recorder.partDone(index, part);
    }
  };

  return {
    async send(call: SerializedCall, index: number, signal: AbortSignal) {
      if (call.kind === "delete") {
        const end = await deliverCall(() => client.deleteUsers(call.body, signal), signal, delivery);
        if (end.kind === "refused") {
          const carried = await context.carried(index);
          if (carried.kind !== "delete") throw new Error(`call ${index} carries track items, not deletions`);
          await deps.syncLog.record(
            carried.deletions.map((deletion) => entryOf(deletion, "delete", end.status, end.message)),
          );
        }
      } else if (recorder.parts(index)) {
        await sendInParts(index, signal);
      } else if ((await sendTrack(call, { index }, signal)) === "tooLong") {
        await context.switchToCombined();
        recorder.startParts(index);
        await sendInParts(index, signal);
      }
      recorder.done(index);
    },
  };
}
