import { connect, type Socket } from "node:net";
import { createTransport } from "nodemailer";
import type { FakeSmtp } from "../../../fakes/smtp/index.ts";

/** A nodemailer transport to the fake, configured as Masivo's email channel will be (no pool here). */
export function transportTo(smtp: FakeSmtp, options: { user?: string; pass?: string; socketTimeoutMs?: number } = {}) {
  return createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: false,
    ignoreTLS: true,
    auth: { user: options.user ?? smtp.username, pass: options.pass ?? smtp.password },
    ...(options.socketTimeoutMs === undefined ? {} : { socketTimeout: options.socketTimeoutMs }),
  });
}

/** A nodemailer transport that never authenticates. */
export function anonymousTransportTo(smtp: FakeSmtp) {
  return createTransport({ host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true });
}

/** A hand-driven SMTP session over node:net, for what nodemailer would not send. */
export type RawSession = {
  greeting: string;
  /** Sends one line and resolves with the whole reply (multi-line replies joined by "\n"). */
  command(line: string): Promise<string>;
  close(): void;
};

export async function openRawSession(port: number, host = "127.0.0.1"): Promise<RawSession> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(port, host, () => resolve(s));
    s.once("error", reject);
  });
  socket.setEncoding("utf8");
  let buffer = "";
  const waiters: ((reply: string) => void)[] = [];
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    // A reply ends with a line "NNN text" (a space after the code, not a dash).
    for (let match = /^(?:\d{3}-.*\r\n)*\d{3}(?: .*)?\r\n/.exec(buffer); match !== null; ) {
      buffer = buffer.slice(match[0].length);
      waiters.shift()?.(match[0].trimEnd().replace(/\r\n/g, "\n"));
      match = /^(?:\d{3}-.*\r\n)*\d{3}(?: .*)?\r\n/.exec(buffer);
    }
  });
  const next = () => new Promise<string>((resolve) => waiters.push(resolve));
  const greeting = await next();
  return {
    greeting,
    command(line) {
      const reply = next();
      socket.write(`${line}\r\n`);
      return reply;
    },
    close: () => socket.destroy(),
  };
}

/** AUTH PLAIN's initial response: base64 of "\0user\0pass". */
export function plainAuth(user: string, pass: string): string {
  return Buffer.from(`\u0000${user}\u0000${pass}`).toString("base64");
}

/** GET or POST on the fake's control server; resolves with status and parsed JSON. */
export async function control(smtp: FakeSmtp, method: string, path: string, body?: unknown) {
  const response = await fetch(`${smtp.controlUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}
