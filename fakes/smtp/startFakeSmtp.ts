import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Server } from "node:net";
import { SMTPServer } from "smtp-server";
import { type ControlReply, handleControl } from "./controlEndpoints.ts";
import type { ActiveFault, FakeSmtpFault } from "./faults.ts";
import { type FakeSmtpOptions, resolveOptions } from "./options.ts";
import { smtpHooks } from "./smtpHooks.ts";
import { createStateView, type FakeSmtpState } from "./state.ts";
import { createWorld, resetWorld } from "./world.ts";

/** Fault injection: faults apply in the order added; `add` returns the id to remove one by. */
export type FakeSmtpFaults = {
  add(fault: FakeSmtpFault): string;
  remove(id: string): boolean;
  /** Removes every fault; returns how many there were. */
  clear(): number;
  list(): ActiveFault[];
};

/** A running fake SMTP relay. */
export type FakeSmtp = {
  readonly host: string;
  /** The SMTP port. */
  readonly port: number;
  /** `http://<host>:<controlPort>`, the base of the /__fake/ endpoints. */
  readonly controlUrl: string;
  readonly username: string;
  readonly password: string;
  readonly state: FakeSmtpState;
  readonly faults: FakeSmtpFaults;
  /** Forgets messages, counters and the rate window; the account and the faults stay. */
  reset(): void;
  /** Stops listening and drops every connection, delayed ones included. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
};

/**
 * Starts a fake SMTP relay (see fakes/smtp/README.md) on 127.0.0.1, free ports by default.
 *
 * @example
 * await using smtp = await startFakeSmtp();
 * const transport = createTransport({ host: smtp.host, port: smtp.port, auth: { user: smtp.username, pass: smtp.password } });
 * await transport.sendMail({ from, to, subject, text });
 * smtp.state.messages()[0]?.subject;
 */
export async function startFakeSmtp(options: FakeSmtpOptions = {}): Promise<FakeSmtp> {
  const resolved = resolveOptions(options);
  const waiting = new Map<NodeJS.Timeout, () => void>();
  const world = createWorld(
    resolved,
    (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(timer);
          resolve();
        }, ms);
        waiting.set(timer, resolve);
      }),
  );
  const smtp = new SMTPServer({
    ...smtpHooks(world),
    name: "fake-smtp.invalid",
    banner: "fake SMTP relay",
    size: resolved.maxMessageSize,
    rejectOversized: true,
    authMethods: ["PLAIN", "LOGIN"],
    // Plain connections only: without a certificate, a STARTTLS offer would only break clients.
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    // close() drops open connections (with 421) at once rather than after smtp-server's 30 s.
    closeTimeout: 1,
  });
  // smtp-server reports a client's broken connection (a process killed mid-session) as an error
  // of the server; it ends that session only, as a relay does, and must not throw in its host.
  smtp.on("error", () => {});
  const control = createServer((request, response) => {
    serveControl(request, response).catch((error: unknown) => {
      send(response, { status: 500, body: { message: `fake SMTP failed: ${String(error)}` } });
    });
  });
  async function serveControl(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://fake.invalid");
    const rawBody = await readBody(request);
    send(
      response,
      handleControl(world, { method: request.method ?? "GET", path: url.pathname, query: url.searchParams, rawBody }),
    );
  }

  const port = await listen(smtp.server, resolved.port, resolved.host);
  const controlPort = await listen(control, resolved.controlPort, resolved.host);
  const host = resolved.host;

  const close = async () => {
    for (const [timer, resolve] of waiting) {
      clearTimeout(timer);
      resolve();
    }
    waiting.clear();
    const smtpClosed = new Promise<void>((resolve) => smtp.close(() => resolve()));
    const controlClosed = new Promise<void>((resolve) => control.close(() => resolve()));
    control.closeAllConnections();
    await Promise.all([smtpClosed, controlClosed]);
  };
  return {
    host,
    port,
    controlUrl: `http://${host.includes(":") ? `[${host}]` : host}:${controlPort}`,
    username: resolved.username,
    password: resolved.password,
    state: createStateView(world),
    faults: {
      add: (fault) => world.faults.add(fault),
      remove: (id) => world.faults.remove(id),
      clear: () => world.faults.clear(),
      list: () => world.faults.list(),
    },
    reset: () => resetWorld(world),
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(response: ServerResponse, reply: ControlReply): void {
  if (response.headersSent || response.destroyed) return;
  const body = Buffer.from(JSON.stringify(reply.body), "utf8");
  response.writeHead(reply.status, { "content-type": "application/json", "content-length": String(body.length) });
  response.end(body);
}
