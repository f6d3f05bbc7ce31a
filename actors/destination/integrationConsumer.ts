import { AckPolicy, type ConsumerConfig, DeliverPolicy, JetStreamApiError, jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import {
  type NatsLink,
  openRawPull,
  type PulledMessage,
  PullInterruptedError,
  pullBytes,
  STREAM_NAMES,
  subjects,
} from "../../streams/index.ts";
import { type ChangesGap, findChangesGap } from "./changesGap.ts";
import { LeaseLapsedError } from "./leaseLapsedError.ts";
import { openSyncedMark } from "./syncedMark.ts";

/** One CHANGES message of a window: its stream sequence and payload. */
export type WindowMessage = { seq: number; data: Uint8Array };

/** A window's message as CHANGES delivered it, with its subject, which names the fact's kind. */
export type DeliveredMessage = WindowMessage & { subject: string };

/**
 * How a window ended: `done` acks it; `paused` leaves it unacked and stops the consumer until it
 * is started again (the integration is misconfigured, or its configuration changed).
 */
export type WindowOutcome = "done" | "paused";

/**
 * A window being handled: its calls are handed out (each waiting for whatever it must follow), so
 * the next window may be handled; `outcome` settles when they have all ended.
 */
export type WindowHandling = { outcome: Promise<WindowOutcome> };

/** The range of a window being handled, as the integration records it. */
export type OpenWindow = { fromSeq: number; toSeq: number };

export type IntegrationConsumerOptions<Prepared> = {
  link: NatsLink;
  integrationId: string;
  account: string;
  /** When the integration was configured: it syncs the facts from then on. */
  since: Date;
  /**
   * A replay: the consumer is created anew to read CHANGES from this time, whatever it acked
   * (facts no longer held are a gap, told to `onGap`), and the windows recorded as open are
   * dropped, as everything from then on is sent again anyway.
   */
  replayFrom?: Date;
  /** Most facts in one window. */
  windowSize: number;
  /**
   * How many windows are handled at once (one at least): the latest, and those before it whose
   * last calls are awaited. One more, the next, is fetched and prepared meanwhile.
   */
  windowsHandled: number;
  /**
   * Most payload bytes in one window (WINDOW_BYTES unless told), one fact at least: with the
   * count alone, windows of the largest facts (a quarter of a MiB each) would hold gigabytes.
   */
  windowBytes?: number;
  /** How long a window waits to fill before it is handled anyway. */
  flushDelayMs: number;
  /**
   * The windows the integration recorded as open, in stream order, read once at start: unless
   * acked, a crash or a pause left them unfinished, and each is handled again, alone and whole.
   */
  openWindows: () => Promise<readonly OpenWindow[]>;
  /** Drops the record of a window: once it is acked, or found acked at start. */
  forgetWindow: (fromSeq: number) => void;
  /**
   * True while this process's lease on the integration holds. Once it ended, nothing more is
   * fetched nor acked (the next holder recreates the consumer under the same name, so a fetch
   * would take its facts and an ack would ack them), and the consumer stops: the windows in hand,
   * their calls aborted with a LeaseLapsedError, are left unacked to the next holder.
   */
  holds: () => boolean;
  /**
   * Reads a window before its turn (decoding, planning), while the windows before it are still
   * handled. Windows are prepared in stream order, each once.
   */
  prepare: (window: DeliveredMessage[]) => Promise<Prepared>;
  /**
   * Starts handling a prepared window, in stream order; `signal` aborts when the consumer stops
   * (what is unfinished is then left unacked). A failure ends the consumer (`stopped` rejects).
   */
  handle: (prepared: Prepared, signal: AbortSignal) => Promise<WindowHandling>;
  /**
   * Facts after the ack floor (or since `since`) are gone from CHANGES: told before any window is
   * read, so nothing is skipped without a word. A failure fails the start, which finds the gap again.
   */
  onGap: (gap: ChangesGap) => Promise<void>;
  log: Logger;
};

export type IntegrationConsumer = {
  /** Resolves when the consumer stops (asked to, or paused); rejects when it ends on an error. */
  stopped: Promise<void>;
  stop: () => Promise<void>;
};

/** The durable consumer of an integration: its name is derived from the integration id. */
export function consumerName(integrationId: string): string {
  return `dest_${integrationId}`;
}

/**
 * The integration's facts in CHANGES not acked yet: not yet delivered, and delivered but unacked.
 * Asks the server, waiting at most `timeoutMs`.
 */
export async function unackedFacts(link: NatsLink, integrationId: string, timeoutMs: number): Promise<number> {
  const jsm = await jetstreamManager(link.nc, { timeout: timeoutMs, checkAPI: false });
  const info = await jsm.consumers.info(STREAM_NAMES.changes, consumerName(integrationId));
  return info.num_pending + info.num_ack_pending;
}

/**
 * Payload bytes a window holds at most, unless told: 10,000 facts of the usual size (a few hundred
 * bytes) fit, and the windows in hand and the facts fetched stay within tens of MiB whatever the facts.
 */
export const WINDOW_BYTES = 8 * 1024 * 1024;

/** Windows in hand are kept alive with `working()` this often; `ack_wait` only bounds a dead process's hold. */
const KEEP_ALIVE_MS = 30_000;
const ACK_WAIT_NS = 120_000_000_000;
const RETRY_MS = 1_000;
/** How long the server gets to confirm a window's ack. */
const ACK_TIMEOUT_MS = 5_000;

/**
 * Reads an integration's facts from CHANGES in windows, in stream order, and acks each whole
 * (`AckPolicy.All` on its last message) once handled, in order. The next window is fetched and
 * prepared while the current one is handled, and handled while the last calls of the windows
 * before it are awaited (`windowsHandled` at once), so the integration's calls never wait for the
 * stream nor for the end of a window. Every start begins right after the consumer's ack floor, so
 * after a crash the unacked windows come back at once, in order and whole; open windows are then
 * handled again exactly as they were (newer facts wait for the next window). A failing integration
 * gets its own consumer, so it never slows another.
 */
export async function startIntegrationConsumer<Prepared>(
  options: IntegrationConsumerOptions<Prepared>,
): Promise<IntegrationConsumer> {
  const mark = await openSyncedMark(options.link.nc, options.integrationId);
  const { ackFloor, gap } = await openConsumer(options, await mark.read());
  if (gap) {
    await options.onGap(gap);
    // Told once: the next start looks for facts lost after these.
    await mark.record(gap.lastLost);
  }
  const pull = openRawPull(options.link, STREAM_NAMES.changes, consumerName(options.integrationId));
  const { log, windowSize } = options;
  const windowBytes = options.windowBytes ?? WINDOW_BYTES;
  const fetchBytes = pullBytes(options.link.nc, windowBytes);
  const open: OpenWindow[] = [];
  for (const window of await options.openWindows()) {
    // A window recorded and then acked is finished: its record is only stale.
    if (window.toSeq <= ackFloor || options.replayFrom) options.forgetWindow(window.fromSeq);
    else open.push(window);
  }
  let stopping = false;
  const abort = new AbortController();
  /** Fetched and not yet in a window, in stream order. */
  let fetched: PulledMessage[] = [];
  /** Windows taken and not yet acked. */
  const taken = new Set<PulledMessage[]>();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const fetchMore = async (max: number) => {
    if (!options.holds()) {
      log.warn("the integration's lease ended; its consumer stops, leaving the windows in hand to its next holder");
      stopping = true;
      abort.abort(new LeaseLapsedError("the integration's lease ended"));
      return;
    }
    const batch = await pull.fetch(max, Math.max(options.flushDelayMs, 1_000), fetchBytes);
    fetched = fetched.length === 0 ? batch : fetched.concat(batch);
  };

  /** The next window in stream order: the open windows first, each whole, when some were left. */
  const takeWindow = async (): Promise<PulledMessage[]> => {
    const limit = open[0]?.toSeq;
    if (limit !== undefined) {
      // A fact of the window gone from the stream shows as a newer one arriving first.
      while (!stopping && (fetched.at(-1)?.seq ?? 0) < limit) await fetchMore(windowSize);
      const end = fetched.findIndex((message) => message.seq > limit);
      open.shift();
      return fetched.splice(0, end === -1 ? fetched.length : end);
    }
    if (fetched.length < windowSize && bytesOf(fetched) < windowBytes) await fetchMore(windowSize - fetched.length);
    return fetched.splice(0, windowEnd(fetched, windowSize, windowBytes));
  };

  /**
   * The next window, prepared; undefined once stopping. Failures are logged and retried, but for
   * an interrupted pull, which ends the consumer: its next start begins after the ack floor.
   */
  const readNext = async (): Promise<{ window: PulledMessage[]; prepared: Prepared } | undefined> => {
    let window: PulledMessage[] = [];
    while (!stopping && window.length === 0) {
      window = await takeWindow().catch(async (error) => {
        if (error instanceof PullInterruptedError) {
          failure ??= { error };
          stopping = true;
          return [];
        }
        log.error({ err: error }, "could not fetch facts from CHANGES; retrying");
        await sleep(RETRY_MS);
        return [];
      });
    }
    if (stopping) return undefined;
    taken.add(window);
    while (!stopping) {
      try {
        return { window, prepared: await options.prepare(window) };
      } catch (error) {
        log.error({ err: error, fromSeq: window[0]?.seq }, "could not prepare a window; retrying");
        await sleep(RETRY_MS);
      }
    }
    return undefined;
  };

  const keepAlive = setInterval(() => {
    for (const window of [...taken, fetched]) for (const message of window) pull.working(message);
  }, KEEP_ALIVE_MS);

  /** Waits for a window's calls to end and acks it; false when the consumer must stop instead. */
  const finish = async (handled: { window: PulledMessage[]; outcome: Promise<WindowOutcome> }): Promise<boolean> => {
    if ((await handled.outcome) !== "done" || stopping) return false;
    if (!options.holds()) {
      log.warn(
        { fromSeq: handled.window[0]?.seq },
        "the integration's lease ended; window left unacked to its next holder",
      );
      return false;
    }
    // The whole window, confirmed before its record is dropped. Unconfirmed, the consumer ends
    // (`stopped` rejects) and its next start finds the window acked, or handles it again with
    // every call recorded as done.
    const last = handled.window.at(-1);
    if (last) {
      await pull.ack(last, ACK_TIMEOUT_MS);
      // Unrecorded, the mark lags: a later gap would be reported with facts already synced in it.
      await mark.record(last.seq).catch((error: unknown) => log.warn({ err: error }, "synced mark not recorded"));
    }
    taken.delete(handled.window);
    options.forgetWindow(handled.window[0]?.seq ?? 0);
    return true;
  };

  /** Set when a window failed or could not be acked: the consumer ends with it. */
  let failure: { error: unknown } | undefined;

  const stopped = (async () => {
    let ahead = readNext();
    /** Acks the windows handed out, in order, each as soon as it is finished; false once the consumer must stop. */
    let acked: Promise<boolean> = Promise.resolve(true);
    /** The windows handled and not yet acked, oldest first, each answering whether the consumer goes on. */
    const handling: Promise<boolean>[] = [];
    try {
      for (;;) {
        const current = await ahead;
        if (!current) break;
        ahead = readNext();
        const { outcome } = await options.handle(current.prepared, abort.signal);
        // Its failure is reported by `finish`, unless an earlier window already stopped the consumer.
        outcome.catch(() => undefined);
        const previous = acked;
        acked = previous.then(async (going) => going && (await finish({ window: current.window, outcome })));
        acked.then(
          (going) => {
            if (!going) stopping = true;
          },
          (error: unknown) => {
            failure ??= { error };
            stopping = true;
          },
        );
        handling.push(acked);
        // At most `windowsHandled` at once: the next waits for the oldest to be acked.
        const oldest = handling.length >= options.windowsHandled ? handling.shift() : undefined;
        if (oldest && !(await oldest.catch(() => false))) break;
      }
    } finally {
      // Whatever is unfinished stays unacked: the next start begins after the ack floor again.
      stopping = true;
      abort.abort();
      clearInterval(keepAlive);
      await ahead.catch(() => undefined);
      // Every window handed out ends (and records what it finished) before the consumer does.
      await acked.catch(() => undefined);
      pull.close();
    }
    if (failure) throw failure.error;
  })();

  return {
    stopped,
    async stop() {
      stopping = true;
      abort.abort();
      // An error it ended on is reported by `stopped` itself.
      await stopped.catch(() => undefined);
    },
  };
}

/**
 * Creates the integration's durable consumer anew, starting right after its ack floor (or at
 * `since` when nothing was acked yet): what an earlier process held unacked is delivered again at
 * once and in order, instead of after `ack_wait`, and the configuration is always the current one.
 * Returns that ack floor, and the facts after the last one synced (`synced`, or that ack floor
 * when none was recorded) that CHANGES no longer holds, if any.
 */
async function openConsumer(
  options: Pick<
    IntegrationConsumerOptions<unknown>,
    "link" | "integrationId" | "account" | "since" | "replayFrom" | "windowSize" | "windowsHandled"
  >,
  synced: number | undefined,
): Promise<{ ackFloor: number; gap: ChangesGap | undefined }> {
  const name = consumerName(options.integrationId);
  const jsm = await jetstreamManager(options.link.nc);
  const existing = await jsm.consumers.info(STREAM_NAMES.changes, name).catch((error: unknown) => {
    if (error instanceof JetStreamApiError && error.code === CONSUMER_NOT_FOUND) return undefined;
    throw error;
  });
  // A replay starts over from its time, as one that had acked nothing.
  const ackFloor = options.replayFrom ? 0 : (existing?.ack_floor.stream_seq ?? 0);
  const since = options.replayFrom ?? options.since;
  if (existing) await jsm.consumers.delete(STREAM_NAMES.changes, name);
  const start: Partial<ConsumerConfig> =
    ackFloor > 0
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: ackFloor + 1 }
      : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: since.toISOString() };
  await jsm.consumers.add(STREAM_NAMES.changes, {
    durable_name: name,
    filter_subject: subjects.change(options.account, ">"),
    ack_policy: AckPolicy.All,
    // The windows handled and the one prepared next.
    max_ack_pending: options.windowSize * (options.windowsHandled + 1),
    ack_wait: ACK_WAIT_NS,
    ...start,
  });
  const { state } = await jsm.streams.info(STREAM_NAMES.changes);
  const gap = findChangesGap(
    { synced: options.replayFrom ? 0 : (synced ?? ackFloor), since },
    { firstSeq: state.first_seq, firstAt: new Date(state.first_ts) },
  );
  return { ackFloor, gap };
}

const CONSUMER_NOT_FOUND = 10014;

function bytesOf(messages: readonly WindowMessage[]): number {
  let bytes = 0;
  for (const { data } of messages) bytes += data.byteLength;
  return bytes;
}

/** How many of `messages` the next window takes: at most `size`, within `bytes` unless the first alone is larger. */
function windowEnd(messages: readonly WindowMessage[], size: number, bytes: number): number {
  let taken = 0;
  let total = 0;
  for (const { data } of messages) {
    if (taken === size || (taken > 0 && total + data.byteLength > bytes)) break;
    total += data.byteLength;
    taken += 1;
  }
  return taken;
}
