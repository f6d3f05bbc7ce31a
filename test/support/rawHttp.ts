import { once } from "node:events";
import { connect, type Socket } from "node:net";

export type RawResponse = { status: number; headers: Record<string, string>; body: string };

/**
 * One keep-alive HTTP/1.1 connection, spoken by hand. node:http's client stops sending a body once
 * the response has arrived, and fetch closes the connection; a test that needs the whole body sent
 * after an early answer (and the connection reused after it) cannot use either.
 */
export class RawHttpConnection {
  #socket: Socket;
  #received = Buffer.alloc(0);
  #closed = false;
  #waiting: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (data: Buffer) => {
      this.#received = Buffer.concat([this.#received, data]);
      this.#waiting?.();
    });
    // A write after the server has closed fails; the pending response reports the close instead.
    socket.on("error", () => {});
    socket.on("close", () => {
      this.#closed = true;
      this.#waiting?.();
    });
  }

  static async open(port: number): Promise<RawHttpConnection> {
    const socket = connect(port, "127.0.0.1");
    await once(socket, "connect");
    return new RawHttpConnection(socket);
  }

  /** Sends a request whose body is produced a chunk at a time, and resolves with its response. */
  async request(head: string, body: Iterable<string> = []): Promise<RawResponse> {
    const response = this.#nextResponse();
    // It may fail while the body is still being written; the caller sees that when it awaits it.
    response.catch(() => {});
    this.#socket.write(head);
    for (const chunk of body) {
      if (!this.#socket.write(chunk)) await once(this.#socket, "drain");
    }
    return response;
  }

  close(): void {
    this.#socket.destroy();
  }

  /** Reads one response framed by Content-Length (every response in these tests has one). */
  async #nextResponse(): Promise<RawResponse> {
    for (;;) {
      const end = this.#received.indexOf("\r\n\r\n");
      if (end !== -1) {
        const [statusLine = "", ...lines] = this.#received.subarray(0, end).toString("latin1").split("\r\n");
        const headers = Object.fromEntries(
          lines.map((line) => [
            line.slice(0, line.indexOf(":")).toLowerCase(),
            line.slice(line.indexOf(":") + 1).trim(),
          ]),
        );
        const length = Number(headers["content-length"]);
        if (Number.isNaN(length)) throw new Error(`response without Content-Length: ${statusLine}`);
        if (this.#received.length >= end + 4 + length) {
          const body = this.#received.subarray(end + 4, end + 4 + length).toString("utf8");
          this.#received = this.#received.subarray(end + 4 + length);
          return { status: Number(statusLine.split(" ")[1]), headers, body };
        }
      }
      if (this.#closed) throw new Error("the connection closed before a whole response arrived");
      await new Promise<void>((resolve) => {
        this.#waiting = resolve;
      });
    }
  }
}
