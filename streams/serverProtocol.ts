/**
 * What a NATS server sends a client, read from the bytes of its connection as they come (a
 * protocol operation may span several chunks, and a chunk hold many): messages, its INFO, PING,
 * PONG, +OK and -ERR. https://docs.nats.io/reference/reference-protocols/nats-protocol
 */
export type ServerOperations = {
  /**
   * A message (MSG, or HMSG with headers) for subscription `sid`. `headers` and `data` are views
   * of the bytes read: they are valid as long as they are kept, and must not be written to.
   */
  message: (
    sid: number,
    subject: string,
    reply: string | undefined,
    headers: Uint8Array | undefined,
    data: Buffer,
  ) => void;
  info: (json: string) => void;
  ping: () => void;
  pong: () => void;
  /** `-ERR`, with the server's reason (quotes removed). */
  error: (reason: string) => void;
};

/** Longest protocol line read (nats-server's own limit on what a client sends is 4,096 bytes). */
const MAX_LINE = 16 * 1024;
/** The fields of a MSG or HMSG line: at most 5 (subject, sid, reply, header size, total size). */
const FIELD_START = new Int32Array(6);
const FIELD_END = new Int32Array(6);

/**
 * Reads a connection's bytes into operations, in order. `read` takes each chunk as it came and
 * throws on bytes that are not the NATS protocol (the connection must then be closed: nothing
 * after them can be trusted). A message's views share the chunk they came in, so a message read
 * costs its record, its strings and two views, and no copy unless it spans chunks.
 */
export function serverProtocolReader(on: ServerOperations): { read: (chunk: Buffer) => void } {
  /** The bytes of an operation not complete yet, and how many it needs: 0 until its line is complete. */
  let held: Buffer[] = [];
  let heldBytes = 0;
  let needed = 0;

  /** Reads the operation at `start`; its end, or minus the bytes it needs from `start` when they are not all here. */
  const readOperation = (buf: Buffer, start: number, eol: number): number => {
    const lineEnd = eol > start && buf[eol - 1] === CR ? eol - 1 : eol;
    if (lineEnd === start) throw unreadable(buf, start, eol + 1);
    switch ((buf[start] ?? 0) | 0x20) {
      case 0x6d: // m: MSG <subject> <sid> [reply] <size>
        return readMessage(buf, start, start + 4, lineEnd, eol, false);
      case 0x68: // h: HMSG <subject> <sid> [reply] <header size> <total size>
        return readMessage(buf, start, start + 5, lineEnd, eol, true);
      case 0x70: // p: PING or PONG
        if (((buf[start + 1] ?? 0) | 0x20) === 0x69) on.ping();
        else if (((buf[start + 1] ?? 0) | 0x20) === 0x6f) on.pong();
        else throw unreadable(buf, start, lineEnd);
        return eol + 1;
      case 0x2b: // +OK
        return eol + 1;
      case 0x2d: // -ERR '<reason>'
        on.error(
          buf
            .toString("utf8", start + 4, lineEnd)
            .trim()
            .replace(/^'|'$/g, ""),
        );
        return eol + 1;
      case 0x69: // i: INFO {json}
        on.info(buf.toString("utf8", start + 5, lineEnd));
        return eol + 1;
      default:
        throw unreadable(buf, start, lineEnd);
    }
  };

  const readMessage = (
    buf: Buffer,
    start: number,
    from: number,
    lineEnd: number,
    eol: number,
    withHeaders: boolean,
  ): number => {
    let fields = 0;
    for (let i = from; i < lineEnd && fields < FIELD_START.length; ) {
      while (i < lineEnd && (buf[i] === SPACE || buf[i] === TAB)) i++;
      if (i === lineEnd) break;
      FIELD_START[fields] = i;
      while (i < lineEnd && buf[i] !== SPACE && buf[i] !== TAB) i++;
      FIELD_END[fields++] = i;
    }
    const withReply = fields === (withHeaders ? 5 : 4);
    if (!withReply && fields !== (withHeaders ? 4 : 3)) throw unreadable(buf, start, lineEnd);
    const size = numberIn(buf, fields - 1);
    const headerSize = withHeaders ? numberIn(buf, fields - 2) : 0;
    const sid = numberIn(buf, 1);
    if (size < 0 || headerSize < 0 || headerSize > size || sid < 0) throw unreadable(buf, start, lineEnd);
    const payload = eol + 1;
    const end = payload + size + 2;
    if (end > buf.length) return start - end;
    on.message(
      sid,
      buf.toString("utf8", FIELD_START[0], FIELD_END[0]),
      withReply ? buf.toString("utf8", FIELD_START[2], FIELD_END[2]) : undefined,
      withHeaders ? buf.subarray(payload, payload + headerSize) : undefined,
      buf.subarray(payload + headerSize, payload + size),
    );
    return end;
  };

  const hold = (bytes: Buffer) => {
    held.push(bytes);
    heldBytes += bytes.length;
    if (needed === 0 && heldBytes > MAX_LINE) throw unreadable(Buffer.concat(held), 0, 80);
  };

  /** Completes the operation held with the first bytes of `chunk`; how many it took, or -1 when it took all. */
  const completeHeld = (chunk: Buffer): number => {
    for (;;) {
      if (needed === 0) {
        const eol = chunk.indexOf(NL);
        if (eol === -1) {
          hold(chunk);
          return -1;
        }
        needed = heldBytes + eol + 1;
      }
      const missing = needed - heldBytes;
      if (chunk.length < missing) {
        hold(chunk);
        return -1;
      }
      const buf = Buffer.concat([...held, chunk.subarray(0, missing)], needed);
      const next = readOperation(buf, 0, buf.indexOf(NL));
      if (next < 0) {
        // A message: its size is known now.
        needed = -next;
        continue;
      }
      held = [];
      heldBytes = 0;
      needed = 0;
      return missing;
    }
  };

  return {
    read(chunk) {
      let at = heldBytes > 0 ? completeHeld(chunk) : 0;
      if (at < 0) return;
      while (at < chunk.length) {
        const eol = chunk.indexOf(NL, at);
        const next = eol === -1 ? 0 : readOperation(chunk, at, eol);
        if (next > 0) {
          at = next;
          continue;
        }
        // The rest is an operation not complete yet: its line (0), or a message whose bytes are known.
        needed = -next;
        hold(chunk.subarray(at));
        return;
      }
    },
  };
}

/**
 * The status a server's message carries in its headers' first line (`NATS/1.0 404 No Messages`):
 * code 0 when there is none.
 */
export function statusOf(headers: Uint8Array): { code: number; description: string } {
  const text = Buffer.from(headers.buffer, headers.byteOffset, headers.byteLength).toString("utf8");
  const end = text.indexOf("\r\n");
  const line = end === -1 ? text : text.slice(0, end);
  const match = /^NATS\/1\.0 (\d{3})(?: (.*))?$/.exec(line);
  return match ? { code: Number(match[1]), description: match[2] ?? "" } : { code: 0, description: "" };
}

/** The decimal number of field `field` of the line being read; -1 when it is not one. */
function numberIn(buf: Buffer, field: number): number {
  const end = FIELD_END[field] ?? 0;
  let value = 0;
  let start = FIELD_START[field] ?? 0;
  if (end - start > 15 || end === start) return -1;
  for (; start < end; start++) {
    const digit = (buf[start] ?? 0) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function unreadable(buf: Buffer, start: number, end: number): Error {
  return new Error(
    `not the NATS protocol: ${JSON.stringify(buf.toString("latin1", start, Math.min(end, start + 80)))}`,
  );
}

const CR = 13;
const NL = 10;
const SPACE = 32;
const TAB = 9;
