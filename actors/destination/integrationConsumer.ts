import {
  AckPolicy,
  type Consumer,
  type ConsumerConfig,
  DeliverPolicy,
  JetStreamApiError,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { Logger } from "pino";
import { type NatsLink, STREAM_NAMES, subjects } from "../../streams/index.ts";

/** One CHANGES message of a window: its stream sequence and payload. */
export type WindowMessage = { seq: number; data: Uint8Array };

/**
 * What a window handler reports: `done` acks the window; `paused` leaves it unacked and stops the
 * consumer until it is started again (the integration is misconfigured, or its configuration changed).
 */
export type WindowOutcome = "done" | "paused";

/** The range of a window being handled, as the integration records it. */
export type OpenWindow = { fromSeq: number; toSeq: number };

export type IntegrationConsumerOptions<Prepared> = {
  link: NatsLink;
  integrationId: string;
  account: string;
  /** When the integration was configured: it syncs the facts from then on. */
  since: Date;
  /** Most facts in one window. */
  windowSize: number;
  /** How long a window waits to fill before it is handled anyway. */
  flushDelayMs: number;
  /**
   * The window the integration last recorded as open, read once at start: unless it is acked, a
   * crash or a pause left it unfinished, and it is handled again, alone and whole.
   */
  openWindow: () => Promise<OpenWindow | undefined>;
  /** Drops the record of the open window, when it turns out at start to have been acked. */
  forgetWindow: () => Promise<void>;
  /**
   * Reads a window before its turn (decoding, planning), while the window before it is still
   * handled. Windows are prepared in stream order, each once.
   */
  prepare: (window: WindowMessage[]) => Promise<Prepared>;
  /** Handles a prepared window; `signal` aborts when the consumer stops (the window is then left unacked). */
  handle: (prepared: Prepared, signal: AbortSignal) => Promise<WindowOutcome>;
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

/** How many windows may be in hand at once: the one being handled and the one prepared next. */
const WINDOWS_IN_HAND = 2;
/** Windows in hand are kept alive with `working()` this often; `ack_wait` only bounds a dead process's hold. */
const KEEP_ALIVE_MS = 30_000;
const ACK_WAIT_NS = 120_000_000_000;
const RETRY_MS = 1_000;

/**
 * Reads an integration's facts from CHANGES in windows, handled one at a time in stream order,
 * each acked whole (`AckPolicy.All` on its last message) once handled. The next window is fetched
 * and prepared while the current one is handled, so the integration's calls never wait for the
 * stream. Every start begins right after the consumer's ack floor, so after a crash the unacked
 * window comes back at once, in order and whole; an open window is then handled again exactly as
 * it was (newer facts wait for the next window). A failing integration gets its own consumer, so
 * it never slows another.
 */
export async function startIntegrationConsumer<Prepared>(
  options: IntegrationConsumerOptions<Prepared>,
): Promise<IntegrationConsumer> {
  const { consumer, ackFloor } = await openConsumer(options);
  const { log, windowSize } = options;
  let open = await options.openWindow();
  if (open && ackFloor >= open.toSeq) {
    // The last window recorded was finished and acked: its record is only stale.
    await options.forgetWindow();
    open = undefined;
  }
  let stopping = false;
  const abort = new AbortController();
  /** Fetched and not yet in a window, in stream order. */
  const fetched: JsMsg[] = [];
  /** Windows taken and not yet acked: the one being handled and the one prepared next. */
  const taken = new Set<JsMsg[]>();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const fetchMore = async (max: number) => {
    const batch = await consumer.fetch({ max_messages: max, expires: Math.max(options.flushDelayMs, 1_000) });
    for await (const message of batch) fetched.push(message);
  };

  /** The next window in stream order: the open window first, whole, when one was left. */
  const takeWindow = async (): Promise<JsMsg[]> => {
    const limit = open?.toSeq;
    if (limit !== undefined) {
      // A fact of the window gone from the stream shows as a newer one arriving first.
      while (!stopping && (fetched.at(-1)?.seq ?? 0) < limit) await fetchMore(windowSize);
      const end = fetched.findIndex((message) => message.seq > limit);
      open = undefined;
      return fetched.splice(0, end === -1 ? fetched.length : end);
    }
    if (fetched.length < windowSize) await fetchMore(windowSize - fetched.length);
    return fetched.splice(0, windowSize);
  };

  /** The next window, prepared; undefined once stopping. Failures are logged and retried. */
  const readNext = async (): Promise<{ window: JsMsg[]; prepared: Prepared } | undefined> => {
    let window: JsMsg[] = [];
    while (!stopping && window.length === 0) {
      window = await takeWindow().catch(async (error) => {
        log.error({ err: error }, "could not fetch facts from CHANGES; retrying");
        await sleep(RETRY_MS);
        return [];
      });
    }
    if (stopping) return undefined;
    taken.add(window);
    const messages = window.map((message) => ({ seq: message.seq, data: message.data }));
    while (!stopping) {
      try {
        return { window, prepared: await options.prepare(messages) };
      } catch (error) {
        log.error({ err: error, fromSeq: messages[0]?.seq }, "could not prepare a window; retrying");
        await sleep(RETRY_MS);
      }
    }
    return undefined;
  };

  /** Handles a window until it is done or paused, retrying failures; undefined once stopping. */
  const handleWindow = async (window: JsMsg[], prepared: Prepared): Promise<WindowOutcome | undefined> => {
    while (!stopping) {
      try {
        return await options.handle(prepared, abort.signal);
      } catch (error) {
        if (stopping) break;
        log.error({ err: error, fromSeq: window[0]?.seq }, "window failed; retrying it");
        await sleep(RETRY_MS);
      }
    }
    return undefined;
  };

  const keepAlive = setInterval(() => {
    for (const window of [...taken, fetched]) for (const message of window) message.working();
  }, KEEP_ALIVE_MS);

  const stopped = (async () => {
    let ahead = readNext();
    try {
      for (;;) {
        const current = await ahead;
        if (!current) return;
        ahead = readNext();
        const outcome = await handleWindow(current.window, current.prepared);
        if (outcome !== "done") return;
        // The whole window, confirmed before the next one is handled (and recorded over this one's
        // record). Unconfirmed, the consumer ends (`stopped` rejects) and its next start finds
        // the window acked, or handles it again with every call recorded as done.
        await current.window.at(-1)?.ackAck();
        taken.delete(current.window);
      }
    } finally {
      // Whatever is in hand stays unacked: the next start begins after the ack floor again.
      stopping = true;
      clearInterval(keepAlive);
      await ahead.catch(() => undefined);
    }
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
 */
async function openConsumer(
  options: Pick<IntegrationConsumerOptions<unknown>, "link" | "integrationId" | "account" | "since" | "windowSize">,
): Promise<{ consumer: Consumer; ackFloor: number }> {
  const name = consumerName(options.integrationId);
  const jsm = await jetstreamManager(options.link.nc);
  const existing = await jsm.consumers.info(STREAM_NAMES.changes, name).catch((error: unknown) => {
    if (error instanceof JetStreamApiError && error.code === CONSUMER_NOT_FOUND) return undefined;
    throw error;
  });
  const ackFloor = existing?.ack_floor.stream_seq ?? 0;
  if (existing) await jsm.consumers.delete(STREAM_NAMES.changes, name);
  const start: Partial<ConsumerConfig> =
    ackFloor > 0
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: ackFloor + 1 }
      : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: options.since.toISOString() };
  await jsm.consumers.add(STREAM_NAMES.changes, {
    durable_name: name,
    filter_subject: subjects.change(options.account, ">"),
    ack_policy: AckPolicy.All,
    max_ack_pending: options.windowSize * WINDOWS_IN_HAND,
    ack_wait: ACK_WAIT_NS,
    ...start,
  });
  return { consumer: await jetstream(options.link.nc).consumers.get(STREAM_NAMES.changes, name), ackFloor };
}

const CONSUMER_NOT_FOUND = 10014;
