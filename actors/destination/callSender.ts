import type { SyncLog, SyncLogEntry } from "../../store/index.ts";
import { type CallEnd, type DeliveryDependencies, deliverCall } from "./deliverCall.ts";
import type { HealthEvent } from "./integrationHealth.ts";
import type { CallItem, DestinationProvider, PlannedCall, ProviderConnection } from "./provider.ts";
import type { ProgressBook, WindowProgress } from "./windowProgress.ts";

type ProgressRecorder = {
  done: (index: number) => void;
  partDone: (index: number, part: number) => void;
  startParts: (index: number) => void;
  parts: (index: number) => number[] | undefined;
};

/**
 * How long a try already on the wire may go on once the sync stops. Cut at once, it may still
 * reach the provider unrecorded, and go again from the next holder: a duplicate. A try that hangs
 * is cut after this, as it would be after the provider's call timeout.
 */
const WIRE_GRACE_MS = 5_000;

/** A signal that aborts `graceMs` after `signal` does; `release` once it is no longer needed. */
function afterGrace(signal: AbortSignal, graceMs: number): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    timer = setTimeout(() => controller.abort(signal.reason), graceMs);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      signal.removeEventListener("abort", onAbort);
      clearTimeout(timer);
    },
  };
}

/** Records finished calls, and parts of calls, in the window's progress. */
export function progressRecorder<Context>(
  book: ProgressBook<Context>,
  progress: WindowProgress<Context>,
): ProgressRecorder {
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

export type CallSenderContext<Own, Call extends PlannedCall, Answer> = {
  provider: Pick<DestinationProvider<unknown, Own, Call, Answer>, "classify">;
  connection: ProviderConnection<Own, Call, Answer>;
  /** The window whose calls are sent. */
  fromSeq: number;
  integration: { _id: string; account: string };
  syncLog: SyncLog;
  recorder: ProgressRecorder;
  delivery: Omit<DeliveryDependencies, "onRetry">;
  /** Told how each call goes, so the integration's status is decided from every window in flight. */
  health: (event: HealthEvent) => void;
};

/**
 * Sends a window's calls and records how each ended: what the provider refused goes to the sync
 * log (every item of a refused call, or the items a partial failure names), a call refused as too
 * large goes again in parts (each recorded as it finishes), and the integration's health hears of
 * each retry and each answer (integrationHealth.ts).
 */
export function createCallSender<Own, Call extends PlannedCall, Answer>(context: CallSenderContext<Own, Call, Answer>) {
  const { connection, recorder, fromSeq } = context;
  const { planner } = connection;

  /** A sync log line for an item the provider refused. */
  const entryOf = (item: CallItem, httpStatus: number, message: string): Omit<SyncLogEntry, "_id" | "at"> => ({
    integrationId: context.integration._id,
    account: context.integration.account,
    customerId: item.customerId,
    item: item.item,
    factId: item.factId,
    part: item.part,
    httpStatus,
    message,
  });

  /** Logs what an ended call (or part) had refused: all of it, or the items a partial failure names. */
  const logRefused = async (end: CallEnd, at: { index: number; part?: number }) => {
    if (end.kind === "refused") {
      const items = await planner.carried(fromSeq, at.index, at.part);
      await context.syncLog.record(items.map((item) => entryOf(item, end.status, end.message)));
    } else if (end.kind === "delivered" && end.refused && end.refused.length > 0) {
      const items = await planner.carried(fromSeq, at.index, at.part);
      const rejected = end.refused.flatMap(({ at: where, message }) =>
        items.filter((item) => item.at === where).map((item) => entryOf(item, end.status, message)),
      );
      await context.syncLog.record(rejected);
    }
  };

  /**
   * Sends call `index` (or its part `part`) until it ends; "tooLarge" when it must be cut into parts.
   * Stopping (`signal`) ends its waits at once, and a try on the wire after WIRE_GRACE_MS.
   */
  const sendOne = async (
    call: Call,
    at: { index: number; part?: number },
    signal: AbortSignal,
  ): Promise<"sent" | "tooLarge"> => {
    const name = `${fromSeq}:${at.index}:${at.part ?? ""}`;
    const delivery = {
      ...context.delivery,
      onRetry: (reason: string) => context.health({ type: "retried", call: name, reason }),
    };
    const wire = afterGrace(signal, WIRE_GRACE_MS);
    let end: CallEnd;
    try {
      end = await deliverCall(() => connection.send(call, wire.signal), context.provider.classify, signal, delivery);
    } catch (error) {
      context.health({ type: "abandoned", call: name });
      throw error;
    } finally {
      wire.release();
    }
    context.health({ type: "answered", call: name });
    if (end.kind === "tooLarge") return "tooLarge";
    await logRefused(end, at);
    return "sent";
  };

  const sendInParts = async (index: number, signal: AbortSignal) => {
    if (!planner.split) throw new Error(`call ${index} was refused as too large, and its provider cannot cut calls`);
    const parts = await planner.split(fromSeq, index);
    for (const [part, call] of parts.entries()) {
      if (recorder.parts(index)?.includes(part)) continue;
      if ((await sendOne(call, { index, part }, signal)) === "tooLarge") {
        throw new Error(`the provider refused call ${index}, part ${part}, as too large even cut into parts`);
      }
      recorder.partDone(index, part);
    }
  };

  return {
    async send(call: Call, index: number, signal: AbortSignal) {
      if (recorder.parts(index)) {
        await sendInParts(index, signal);
      } else if ((await sendOne(call, { index }, signal)) === "tooLarge") {
        await connection.tooLarge?.();
        recorder.startParts(index);
        await sendInParts(index, signal);
      }
      recorder.done(index);
    },
  };
}
