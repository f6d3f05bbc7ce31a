import { describe, expect, it } from "vitest";
import { serverProtocolReader } from "../../streams/serverProtocol.ts";

/** What a reader told, as plain values. */
function reading() {
  const told: unknown[] = [];
  const reader = serverProtocolReader({
    message: (sid, subject, reply, headers, data) =>
      told.push({
        sid,
        subject,
        reply,
        headers: headers && Buffer.from(headers).toString(),
        data: Buffer.from(data).toString(),
      }),
    info: (json) => told.push({ info: JSON.parse(json) }),
    ping: () => told.push("PING"),
    pong: () => told.push("PONG"),
    error: (reason) => told.push({ error: reason }),
  });
  return { told, read: (bytes: string | Buffer) => reader.read(Buffer.from(bytes)) };
}

const status = "NATS/1.0 404 No Messages\r\n\r\n";
const headers = "NATS/1.0\r\nNats-Msg-Id: acme:7:0\r\n\r\n";
const body = '{"type":"event.recorded","name":"é ✓"}';
const conversation = [
  'INFO {"server_id":"x","max_payload":1048576}\r\n',
  "PING\r\n",
  "+OK\r\n",
  "MSG chg.acme.event 1 12\r\nhello\r\nworld\r\n",
  `HMSG chg.acme.event 1 $JS.ACK.CHANGES.dest_x.1.7.7.1764700000000000000.0 ${Buffer.byteLength(headers)} ${Buffer.byteLength(headers + body)}\r\n${headers}${body}\r\n`,
  `HMSG _INBOX.abc 1 ${status.length} ${status.length}\r\n${status}\r\n`,
  "MSG\tchg.acme.profile\t2\t_INBOX.r\t0\r\n\r\n",
  "PONG\r\n",
  "-ERR 'Permissions Violation for Subscription to \"x\"'\r\n",
].join("");

const expected = [
  { info: { server_id: "x", max_payload: 1048576 } },
  "PING",
  { sid: 1, subject: "chg.acme.event", reply: undefined, headers: undefined, data: "hello\r\nworld" },
  {
    sid: 1,
    subject: "chg.acme.event",
    reply: "$JS.ACK.CHANGES.dest_x.1.7.7.1764700000000000000.0",
    headers,
    data: body,
  },
  { sid: 1, subject: "_INBOX.abc", reply: undefined, headers: status, data: "" },
  { sid: 2, subject: "chg.acme.profile", reply: "_INBOX.r", headers: undefined, data: "" },
  "PONG",
  { error: 'Permissions Violation for Subscription to "x"' },
];

describe("serverProtocolReader", () => {
  it("given a whole conversation in one chunk, tells each operation in order", () => {
    const { told, read } = reading();
    read(conversation);
    expect(told).toEqual(expected);
  });

  it("given the conversation cut at any byte, tells the same", () => {
    const bytes = Buffer.from(conversation);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { told, read } = reading();
      read(bytes.subarray(0, cut));
      read(bytes.subarray(cut));
      expect(told, `cut at ${cut}`).toEqual(expected);
    }
  });

  it("given the conversation a byte at a time, tells the same", () => {
    const bytes = Buffer.from(conversation);
    const { told, read } = reading();
    for (let i = 0; i < bytes.length; i++) read(bytes.subarray(i, i + 1));
    expect(told).toEqual(expected);
  });

  it("given a message larger than many chunks, tells it whole once its last byte came", () => {
    const payload = "x".repeat(200_000);
    const bytes = Buffer.from(`MSG big 1 ${payload.length}\r\n${payload}\r\nPING\r\n`);
    const { told, read } = reading();
    for (let at = 0; at < bytes.length; at += 65_536) read(bytes.subarray(at, at + 65_536));
    expect(told).toEqual([{ sid: 1, subject: "big", reply: undefined, headers: undefined, data: payload }, "PING"]);
  });

  it("given more distinct subjects than it keeps decoded, tells each message's own", () => {
    const subjects = Array.from({ length: 40 }, (_, i) => `chg.acme.kind${i % 20}${"é".repeat(i % 3)}`);
    const { told, read } = reading();
    read(subjects.map((subject) => `MSG ${subject} 1 0\r\n\r\n`).join(""));
    expect(told.map((message) => (message as { subject: string }).subject)).toEqual(subjects);
  });

  it.each([
    ["an unknown operation", "HELLO\r\n"],
    ["a message line with too few fields", "MSG subject 1\r\n"],
    ["a message with a size that is no number", "MSG subject 1 x1\r\n"],
    ["headers larger than the message", "HMSG subject 1 10 5\r\n"],
    ["an empty line", "\r\n"],
  ])("refuses %s", (_, bytes) => {
    const { read } = reading();
    expect(() => read(bytes)).toThrow(/not the NATS protocol/);
  });

  it("refuses a line that never ends", () => {
    const { read } = reading();
    expect(() => {
      for (let i = 0; i < 100; i++) read("I".repeat(1_000));
    }).toThrow(/not the NATS protocol/);
  });
});
