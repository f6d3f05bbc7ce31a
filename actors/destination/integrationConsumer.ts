import { AckPolicy, DeliverPolicy, type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { type NatsLink, STREAM_NAMES, subjects } from "../../streams/index.ts";

/** One CHANGES message of a window: its stream sequence and payload. */
export type WindowMessage = { seq: number; data: Uint8Array };

/**
 * What a window handler reports: `done` acks the window; `paused` leaves it unacked (the
 * integration is misconfigured) and stops the consumer until it is started again.
 */
export type WindowOutcome = "done" | "paused";

export type IntegrationConsumerOptions = {
  link: NatsLink;
  integrationId: string;
  account: string;
  /** When the integration was configured: it syncs the facts from then on. */
  since: Date;
  /** Most facts in one window. */
  windowSize: number;
  /** How long a window waits to fill before it is handled anyway. */
  flushDelayMs: number;
  /** The range of a window a crash or a pause left open, which must be handled again alone. */
  openWindow: () => Promise<{ fromSeq: number; toSeq: number } | undefined>;
  /** Drops the record of an open window that turns out to have been acked. */
  forgetWindow: () => Promise<void>;
  /** Handles a window; `signal` aborts when the consumer stops (the window is then left unacked). */
  handle: (window: WindowMessage[], signal: AbortSignal) => Promise<WindowOutcome>;
  log: Logger;
};

export type IntegrationConsumer = { stopped: Promise<void>; stop: () => Promise<void> };

/** The durable consumer of an integration: its name is derived from the integration id. */
export function consumerName(integrationId: string): string {
  return `dest_${integrationId}`;
}

/**
 * Reads an integration's facts from CHANGES in windows, one at a time, in stream order: the
 * consumer lets at most one window be unacked (`max_ack_pending`), so after a crash JetStream
 * hands back exactly the unacked window (plus, at most, newer facts, which wait for the next one).
 * A failing integration gets its own consumer, so it never slows another.
 */
export async function startIntegrationConsumer(options: IntegrationConsumerOptions): Promise<IntegrationConsumer> {
  const name = consumerName(options.integrationId);
  const jsm = await jetstreamManager(options.link.nc);
  await jsm.consumers.add(STREAM_NAMES.changes, {
    durable_name: name,
    filter_subject: subjects.change(options.account, ">"),
    ack_policy: AckPolicy.Explicit,
    // An integration syncs what happens from its configuration on (its first start may come later).
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: options.since.toISOString(),
    max_ack_pending: options.windowSize,
    // Windows in hand are kept alive with `working()`; this only bounds a dead process's hold.
    ack_wait: 120_000_000_000,
  });
  const consumer = await jetstream(options.link.nc).consumers.get(STREAM_NAMES.changes, name);
  let stopping = false;
  const abort = new AbortController();
  let carried: JsMsg[] = [];

  const nextWindow = async (): Promise<JsMsg[]> => {
    const window = carried;
    carried = [];
    if (window.length < options.windowSize) {
      const batch = await consumer.fetch({
        max_messages: options.windowSize - window.length,
        expires: Math.max(options.flushDelayMs, 1_000),
      });
      for await (const message of batch) window.push(message);
    }
    window.sort((a, b) => a.seq - b.seq);
    const open = await options.openWindow();
    if (!open) return window;
    // A window acked just before its record was cleared (a crash in between) is done.
    if ((await consumer.info()).ack_floor.stream_seq >= open.toSeq) {
      await options.forgetWindow();
      return window;
    }
    // Finish the open window exactly as it was, once all of it is back; newer facts wait.
    const held = window.filter((message) => message.seq <= open.toSeq);
    carried = window.filter((message) => message.seq > open.toSeq);
    if (held[0]?.seq === open.fromSeq) return held;
    carried = [...held, ...carried];
    return [];
  };

  /** Hands back, at once, every message in hand: for whoever syncs this integration next. */
  const release = (window: JsMsg[]) => {
    for (const message of [...window, ...carried]) message.nak();
    carried = [];
  };

  const stopped = (async () => {
    while (!stopping) {
      let window: JsMsg[] = [];
      try {
        window = await nextWindow();
        if (window.length === 0) {
          // Waiting for an open window to come back: do not spin on the facts in hand.
          if (carried.length > 0) await new Promise((resolve) => setTimeout(resolve, 200));
          continue;
        }
        const keepAlive = setInterval(() => {
          for (const message of window) message.working();
        }, 30_000);
        let outcome: WindowOutcome;
        try {
          outcome = await options.handle(
            window.map((message) => ({ seq: message.seq, data: message.data })),
            abort.signal,
          );
        } finally {
          clearInterval(keepAlive);
        }
        if (outcome === "paused" || stopping) return release(window);
        for (const message of window) message.ack();
      } catch (error) {
        if (stopping) return release(window);
        options.log.error({ err: error, integration: options.integrationId }, "window failed; retrying it");
        carried = [...window, ...carried];
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    release([]);
  })();

  return {
    stopped,
    async stop() {
      stopping = true;
      abort.abort();
      await stopped;
    },
  };
}
