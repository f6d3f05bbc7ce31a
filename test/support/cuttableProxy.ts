import { connect, createServer, type Socket } from "node:net";

/**
 * A TCP proxy in front of a server that can cut the connection in the middle of what a client
 * sends: the chunk that crosses the armed byte count is dropped (the client believes it sent it),
 * both sockets are destroyed, and new connections are refused until `heal()`.
 */
export type CuttableProxy = {
  url: string;
  /** Cuts once `bytes` more have come from clients. Resolves when it has. */
  cutAfter: (bytes: number) => Promise<void>;
  heal: () => void;
  close: () => Promise<void>;
};

export async function startCuttableProxy(target: { host: string; port: number }): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  let down = false;
  let armed: { left: number; cut: () => void } | undefined;

  const server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    client.on("data", (chunk: Buffer) => {
      if (armed) {
        armed.left -= chunk.length;
        if (armed.left <= 0) {
          const { cut } = armed;
          armed = undefined;
          down = true;
          for (const socket of sockets) socket.destroy();
          cut();
          return;
        }
      }
      upstream.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no port");

  return {
    url: `nats://127.0.0.1:${address.port}`,
    cutAfter: (bytes) => new Promise((resolve) => (armed = { left: bytes, cut: resolve })),
    heal: () => {
      down = false;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
