import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { NatsSocketUnsupportedError, openNatsSocket } from "../../streams/natsSocket.ts";

/**
 * A server that answers the client's connection with `script`: what a nats-server would say to
 * the protocol lines it is sent (the tests here are about how the client takes what it is told).
 */
let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serverSaying(script: (socket: Socket, line: string) => void, greeting: string): Promise<number> {
  server = createServer((socket) => {
    socket.write(greeting);
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString();
      for (let end = buffered.indexOf("\r\n"); end !== -1; end = buffered.indexOf("\r\n")) {
        script(socket, buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
      }
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

const INFO = 'INFO {"server_id":"test","max_payload":1048576,"headers":true}\r\n';
const options = (port: number) => ({
  address: { host: "127.0.0.1", port },
  name: "test",
  onMessage: () => undefined,
  onLost: () => undefined,
});

describe("openNatsSocket", () => {
  it("given a server requiring TLS, refuses as unsupported, so that its owner uses nats.js", async () => {
    const port = await serverSaying(() => undefined, 'INFO {"server_id":"t","tls_required":true}\r\n');

    await expect(openNatsSocket("inbox", options(port))).rejects.toBeInstanceOf(NatsSocketUnsupportedError);
  });

  it("given a server refusing the connection, rejects with its reason and where", async () => {
    const port = await serverSaying((socket, line) => {
      if (line.startsWith("CONNECT")) socket.write("-ERR 'Authorization Violation'\r\n");
    }, INFO);

    await expect(openNatsSocket("inbox", options(port))).rejects.toThrow(
      `connecting to nats-server at 127.0.0.1:${port} failed: nats-server: Authorization Violation`,
    );
  });

  it("subscribes, answers the server's pings, publishes, and hands over its subject's messages", async () => {
    const lines: string[] = [];
    const { promise: serverSawBoth, resolve: sawBoth } = Promise.withResolvers<void>();
    const port = await serverSaying((socket, line) => {
      lines.push(line.startsWith("CONNECT") ? "CONNECT" : line);
      if (line === "PING") socket.write("PONG\r\n");
      if (line.startsWith("SUB")) socket.write("PING\r\nMSG other 2 2\r\nno\r\nMSG inbox 1 _INBOX.r 2\r\nhi\r\n");
      if (lines.includes("PONG") && lines.includes("é")) sawBoth();
    }, INFO);
    const { promise: message, resolve: received } = Promise.withResolvers<string>();
    const socket = await openNatsSocket("inbox", {
      ...options(port),
      onMessage: (subject, reply, _headers, data) => received(`${subject} ${reply} ${data.toString()}`),
    });
    try {
      socket.publish("requests", "é", "inbox");

      expect(await message).toBe("inbox _INBOX.r hi");
      await serverSawBoth;
      expect(lines.slice(0, 3)).toEqual(["CONNECT", "PING", "SUB inbox 1"]);
      expect(lines.slice(3).filter((line) => line !== "PONG")).toEqual(["PUB requests inbox 2", "é"]);
    } finally {
      socket.close();
    }
  });

  it("given a server that stops answering its pings, tells the connection lost", async () => {
    let answering = true;
    const port = await serverSaying((socket, line) => {
      if (line === "PING" && answering) {
        socket.write("PONG\r\n");
        answering = false;
      }
    }, INFO);
    const lost = new Promise<Error>((resolve) => {
      openNatsSocket("inbox", { ...options(port), pingIntervalMs: 20, onLost: resolve }).catch(resolve);
    });

    expect((await lost).message).toMatch(/stopped answering pings/);
  });
});
