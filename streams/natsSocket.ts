import { connect as dial, type Socket } from "node:net";
import { serverProtocolReader } from "./serverProtocol.ts";

/** Where a NATS socket connects. */
export type NatsAddress = { host: string; port: number };

export type NatsSocketOptions = {
  address: NatsAddress;
  /** The connection's name, as the server's monitoring shows it. */
  name: string;
  /** A message for the one subscription, as `serverProtocolReader` reads it. */
  onMessage: (subject: string, reply: string | undefined, headers: Uint8Array | undefined, data: Buffer) => void;
  /** The connection was lost (not closed by its owner), and why; it is not reopened. */
  onLost: (error: Error) => void;
  /** How often the server is pinged; unanswered twice in a row, the connection is closed. */
  pingIntervalMs?: number;
  /** How long connecting may take. */
  timeoutMs?: number;
};

/** A NATS connection of our own, subscribed to one subject: it publishes, and hands over that subject's messages. */
export type NatsSocket = {
  publish: (subject: string, payload: string, reply?: string) => void;
  close: () => void;
};

/** Refused by a server that wants TLS, which a NATS socket does not speak. */
export class NatsSocketUnsupportedError extends Error {}

const CRLF = "\r\n";
const SID = 1;

/**
 * Opens a plain TCP connection to one NATS server, speaking the client protocol itself
 * (CONNECT, PING/PONG, one SUB, PUB), and subscribes it to `subject`. Made for a pull consumer's
 * deliveries, which nats.js parses with per-message work (an argument array, several views and a
 * message object each) that showed in the CPU a sync costs (bench:braze); it does not reconnect:
 * its owner opens another when it is closed. Rejects when the server cannot be reached or refuses it.
 */
export function openNatsSocket(subject: string, options: NatsSocketOptions): Promise<NatsSocket> {
  const { address, timeoutMs = 10_000, pingIntervalMs = 5_000 } = options;
  return new Promise((resolve, reject) => {
    const socket: Socket = dial({ host: address.host, port: address.port, noDelay: true });
    let connected = false;
    let closed = false;
    let unanswered = 0;
    let pinger: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => end(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);

    const end = (error?: Error) => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      clearInterval(pinger);
      socket.destroy();
      if (connected) {
        if (error) options.onLost(error);
        return;
      }
      if (error instanceof NatsSocketUnsupportedError) return reject(error);
      const reason = error?.message ?? "closed by its owner";
      reject(
        new Error(`connecting to nats-server at ${address.host}:${address.port} failed: ${reason}`, { cause: error }),
      );
    };

    const reader = serverProtocolReader({
      message: (sid, messageSubject, reply, headers, data) => {
        if (sid === SID) options.onMessage(messageSubject, reply, headers, data);
      },
      info: (json) => {
        if (connected) return;
        const info = JSON.parse(json) as { tls_required?: boolean };
        if (info.tls_required) return end(new NatsSocketUnsupportedError("the server requires TLS"));
        // No credentials: Masivo's own connection has none either.
        const connect = {
          verbose: false,
          pedantic: false,
          lang: "masivo",
          version: "1",
          protocol: 1,
          headers: true,
          no_responders: true,
          name: options.name,
        };
        socket.write(`CONNECT ${JSON.stringify(connect)}${CRLF}PING${CRLF}`);
      },
      ping: () => socket.write(`PONG${CRLF}`),
      pong: () => {
        unanswered = 0;
        if (connected) return;
        connected = true;
        clearTimeout(timer);
        socket.write(`SUB ${subject} ${SID}${CRLF}`);
        pinger = setInterval(() => {
          if (++unanswered > 2) return end(new Error(`${address.host}:${address.port} stopped answering pings`));
          socket.write(`PING${CRLF}`);
        }, pingIntervalMs);
        resolve({
          publish(to, payload, reply) {
            if (closed) throw new Error(`the connection to ${address.host}:${address.port} is closed`);
            const head = reply === undefined ? `PUB ${to} ` : `PUB ${to} ${reply} `;
            socket.write(`${head}${Buffer.byteLength(payload)}${CRLF}${payload}${CRLF}`);
          },
          close: () => end(),
        });
      },
      error: (reason) => end(new Error(`nats-server: ${reason}`)),
    });

    socket.on("data", (chunk: Buffer) => {
      try {
        reader.read(chunk);
      } catch (error) {
        end(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on("error", (error) => end(error));
    socket.on("close", () => end(new Error(`${address.host}:${address.port} closed the connection`)));
  });
}
