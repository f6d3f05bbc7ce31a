import { createInbox } from "@nats-io/transport-node";
import type { NatsLink } from "./connection.ts";
import { NatsSocketUnsupportedError, openNatsSocket } from "./natsSocket.ts";
import { statusOf } from "./serverProtocol.ts";

/** A message of a pull consumer as it came: its stream sequence, subject, payload, and the subject acks go to. */
export type PulledMessage = { seq: number; subject: string; data: Uint8Array; reply: string };

/**
 * A durable pull consumer read without nats.js's per-message machinery: pull requests published
 * to the consumer, each message delivered kept as its sequence (read from the reply subject),
 * subject, payload and reply subject. Reading a backlog at Braze's pace, that machinery was a good
 * part of the CPU a call cost (see bench/README.md, bench:braze): first a `JsMsg` for each message,
 * its delivery info parsed, an iterator and a heartbeat monitor; then nats.js's parsing of every
 * message (an argument array, views, a message object). So the deliveries come on a connection of
 * the pull's own, read by `serverProtocolReader` (`natsSocket.ts`), when the server is reached in
 * plain TCP; through TLS or WebSocket they come on the shared connection, as a core subscription.
 */
export type RawPull = {
  /**
   * Asks for up to `max` messages, the request expiring after `expiresMs`, and resolves with the
   * messages that came since the last fetch, in delivery order, once `max` of them did or the
   * request ended. With `maxBytes`, the request also ends before the messages would pass that many
   * bytes (it must hold the largest message, or the server refuses it). Only one fetch at a time.
   * Rejects when the consumer is gone or refuses requests, and with `PullInterruptedError` when
   * the pull's own connection was lost since the last fetch began.
   */
  fetch: (max: number, expiresMs: number, maxBytes?: number) => Promise<PulledMessage[]>;
  /** Acks `message` and, under `AckPolicy.All`, everything delivered before it; resolves once the server confirms. */
  ack: (message: PulledMessage, timeoutMs: number) => Promise<void>;
  /** Tells the server `message` is still being worked on, which restarts its `ack_wait`. */
  working: (message: PulledMessage) => void;
  close: () => void;
};

export type RawPullOptions = {
  /**
   * Whether deliveries come on a connection of the pull's own (the default when the link's
   * servers are all `nats://` and the one it uses requires no TLS), or on the link's connection.
   */
  ownConnection?: boolean;
};

/**
 * The connection the deliveries come on was lost since the last fetch began (the pull's own:
 * told to the fetch waiting then, or else to the next one; the link's, which reconnects on its
 * own: told when the fetch ends). Messages the server was delivering on it are lost with it, yet
 * counted as delivered (until `ack_wait`), and acking a later one (`AckPolicy.All`) would ack them
 * too: the consumer must start again after its ack floor.
 */
export class PullInterruptedError extends Error {}

/** How pull requests go out, and where their deliveries come in. */
type Transport = { request: (subject: string, payload: string, reply: string) => void; close: () => void };

const WPI = Uint8Array.of(43, 87, 80, 73); // +WPI
const ACK = Uint8Array.of(43, 65, 67, 75); // +ACK
/** nats-server's description of a 409 ending a request at its `max_bytes` ("Message Size Exceeds MaxBytes"). */
const MAX_BYTES_REACHED = /exceeds maxbytes/i;
/** How long after its expiry a request that never ended (a server gone meanwhile) stops being awaited. */
const EXPIRY_GRACE_MS = 5_000;

export function openRawPull(link: NatsLink, stream: string, consumer: string, options: RawPullOptions = {}): RawPull {
  const { nc } = link;
  const inbox = createInbox();
  const requestSubject = `$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`;
  let ownConnection = options.ownConnection ?? reachedInPlainTcp(link);
  let arrived: PulledMessage[] = [];
  /**
   * The newest sequence delivered. A message at or below it is a redelivery of one the caller
   * holds (acked ones are not redelivered), possibly after newer ones: keeping it would break
   * stream order, and it is still in hand anyway.
   */
  let newest = 0;
  let waiting: { want: number; end: (error?: Error) => void } | undefined;
  /** nats.js decodes a string per message; `serverProtocolReader` keeps its own. */
  const subjects = subjectCache();

  const delivered = (subject: string, reply: string, data: Uint8Array) => {
    const seq = streamSequenceOf(reply);
    if (seq === undefined) return waiting?.end(new Error(`not a JetStream ack subject: ${reply}`));
    if (seq <= newest) return;
    newest = seq;
    arrived.push({ seq, subject, data, reply });
    if (waiting && arrived.length >= waiting.want) waiting.end();
  };

  /** A message without a reply subject is the server's word about a request. */
  const told = ({ code, description }: { code: number; description: string }) => {
    // A heartbeat; none is asked for.
    if (code === 100) return;
    // Nothing to deliver, the request expired, or the next message would pass its `max_bytes`: it ended.
    if (code === 404 || code === 408 || (code === 409 && MAX_BYTES_REACHED.test(description))) {
      return waiting?.end();
    }
    // The consumer is gone, or refused the request (409: deleted, too many pending, a new leader):
    // a failure, so that the caller waits before asking again rather than asking at once.
    waiting?.end(new Error(`pull from ${stream} > ${consumer}: ${code} ${description}`));
  };

  /** The link's disconnections when the last fetch began, while deliveries come on the link. */
  let linkDisconnections: number | undefined;

  const viaLink = (): Transport => {
    const subscription = nc.subscribe(inbox, {
      callback: (error, msg) => {
        if (error) return waiting?.end(error);
        if (msg.reply) return delivered(subjects.keep(msg.subject), msg.reply, msg.data);
        told({ code: msg.headers?.code ?? 0, description: msg.headers?.description ?? "" });
      },
    });
    return {
      request: (subject, payload, reply) => {
        linkDisconnections = link.disconnections();
        nc.publish(subject, payload, { reply });
      },
      close: () => subscription.unsubscribe(),
    };
  };

  const viaOwnConnection = async (): Promise<Transport> => {
    const socket = await openNatsSocket(inbox, {
      address: serverAddress(nc.getServer()),
      name: `masivo pull ${stream} > ${consumer}`,
      onMessage: (subject, reply, headers, data) => {
        if (reply) return delivered(subject, reply, data);
        told(headers ? statusOf(headers) : { code: 0, description: "a message without a status" });
      },
      onLost: (error) => {
        transport = undefined;
        // Told to the fetch waiting, or else to the next one: either way the caller starts again.
        interrupted = new PullInterruptedError(
          `pull from ${stream} > ${consumer}: its connection was lost (${error.message})`,
          { cause: error },
        );
        if (waiting) {
          waiting.end(interrupted);
          interrupted = undefined;
        }
      },
    });
    return { request: socket.publish, close: socket.close };
  };

  let transport: Promise<Transport> | undefined;
  let interrupted: PullInterruptedError | undefined;
  const opened = (): Promise<Transport> => {
    if (transport) return transport;
    const opening = ownConnection ? viaOwnConnection() : Promise.resolve(viaLink());
    transport = opening;
    opening.catch((error: unknown) => {
      if (transport === opening) transport = undefined;
      // A server wanting TLS after all: its deliveries come on the link, whose client speaks it.
      if (error instanceof NatsSocketUnsupportedError) ownConnection = false;
    });
    return opening;
  };

  return {
    fetch(max, expiresMs, maxBytes) {
      if (waiting) return Promise.reject(new Error("a fetch is already waiting"));
      if (interrupted) {
        const error = interrupted;
        interrupted = undefined;
        return Promise.reject(error);
      }
      return new Promise<PulledMessage[]>((resolve, reject) => {
        const timer = setTimeout(() => waiting?.end(), expiresMs + EXPIRY_GRACE_MS);
        const ending = {
          want: max,
          end: (error?: Error) => {
            clearTimeout(timer);
            if (waiting === ending) waiting = undefined;
            if (error) return reject(error);
            if (linkDisconnections !== undefined && link.disconnections() !== linkDisconnections) {
              return reject(
                new PullInterruptedError(`pull from ${stream} > ${consumer}: the connection was lost during the fetch`),
              );
            }
            const messages = arrived;
            arrived = [];
            resolve(messages);
          },
        };
        waiting = ending;
        const request = JSON.stringify({
          batch: max,
          expires: expiresMs * 1_000_000,
          ...(maxBytes === undefined ? {} : { max_bytes: maxBytes }),
        });
        opened()
          .then((open) => open.request(requestSubject, request, inbox))
          .catch((error: unknown) => ending.end(error instanceof Error ? error : new Error(String(error))));
      });
    },
    async ack(message, timeoutMs) {
      await nc.request(message.reply, ACK, { timeout: timeoutMs });
    },
    working(message) {
      nc.publish(message.reply, WPI);
    },
    close() {
      transport?.then((open) => open.close()).catch(() => undefined);
      transport = undefined;
      waiting?.end();
    },
  };
}

/**
 * Whether the link reaches its server in plain TCP, so that a socket of our own may too: every
 * server it was given is `nats://` (a `tls://` one asks for TLS even where the server offers it
 * only), and the server it is connected to requires no TLS.
 */
function reachedInPlainTcp(link: NatsLink): boolean {
  const configured = link.url.split(",").every((server) => server.trim().startsWith("nats://"));
  return configured && link.nc.info?.tls_required !== true;
}

/** The host and port of nats.js's `getServer()` ("host:port", "[v6]:port"). */
function serverAddress(server: string): { host: string; port: number } {
  const url = new URL(`nats://${server}`);
  return { host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 4222) };
}

/**
 * The stream sequence in a JetStream ack subject, read in place (for every message, so without
 * splitting it): `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.…` (9 tokens), or with a
 * domain and an account hash before the stream (12 tokens, 11 from older servers). Undefined for
 * another subject.
 */
export function streamSequenceOf(reply: string): number | undefined {
  if (!reply.startsWith(ACK_PREFIX)) return undefined;
  let dots = 0;
  for (let i = reply.indexOf(".", ACK_PREFIX.length); i !== -1 && dots < DOTS.length; i = reply.indexOf(".", i + 1)) {
    DOTS[dots++] = i;
  }
  // After the prefix: 6 dots in the short layout, 8 or 9 in the long one.
  const before = dots === 6 ? 2 : dots === 8 || dots === 9 ? 4 : -1;
  if (before < 0) return undefined;
  const end = DOTS[before + 1] ?? 0;
  let seq = 0;
  for (let i = (DOTS[before] ?? 0) + 1; i < end; i++) {
    const digit = reply.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    seq = seq * 10 + digit;
  }
  return seq > 0 && Number.isSafeInteger(seq) ? seq : undefined;
}

const ACK_PREFIX = "$JS.ACK.";
/** The dots of the subject being read, reused: one more array per message is garbage to collect. */
const DOTS = new Int32Array(10);

/** Subjects kept at most, each once; past that the cache starts again. */
const MAX_SUBJECTS = 1_000;

/**
 * One string per subject for the messages in hand: a window holds thousands of messages on a few
 * subjects (CHANGES: an account and a fact kind), and a string decoded for each one would live as
 * long as its message, copied by every young-generation collection until then.
 */
function subjectCache(): { keep: (subject: string) => string } {
  const kept = new Map<string, string>();
  return {
    keep(subject) {
      const known = kept.get(subject);
      if (known !== undefined) return known;
      if (kept.size >= MAX_SUBJECTS) kept.clear();
      kept.set(subject, subject);
      return subject;
    },
  };
}
