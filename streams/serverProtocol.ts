/**
 * What a NATS server sends a client, read from the bytes of its connection as they come (a
 * protocol operation may span several chunks, and a chunk hold many): messages, its INFO, PING,
 * PONG, +OK and -ERR. https://docs.nats.io/reference/reference-protocols/nats-protocol
 */
export type ServerOperations = {
  /**
   * A message (MSG, or HMSG with headers) for subscription `sid`. `headers` and `data` are views
   * of the bytes read: they are valid as long as they are kept, and must not be written to. The
   * same subject comes as the same string.
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
const MAX_FIELDS = 5;
const FIELD_START = new Int32Array(MAX_FIELDS);
const FIELD_END = new Int32Array(MAX_FIELDS);
/** Distinct subjects kept decoded: a consumer's messages come on a few (CHANGES: an account's fact kinds). */
const SUBJECTS_KEPT = 16;

/**
 * Reads a connection's bytes into operations, in order. `read` takes each chunk as it came and
 * throws on bytes that are not the NATS protocol (the connection must then be closed: nothing
 * after them can be trusted). A message's line is read in one pass, its subject is decoded once
 * for all the messages that come on it, and its views share the chunk they came in: a message
 * read costs its reply subject and two views, and no copy unless it spans chunks.
 */
export function serverProtocolReader(on: ServerOperations): { read: (chunk: Buffer) => void } {
  /** The bytes of an operation not complete yet, and how many it needs: 0 until its line is complete. */
  let held: Buffer[] = [];
  let heldBytes = 0;
  let needed = 0;
  const subjects = decodedSubjects();

  /**
   * Reads the operation at `start`: its end; 0 when its line is not all here; or minus the bytes
   * it needs from `start` when its line is, but not its payload.
   */
  const readOperation = (buf: Buffer, start: number): number => {
    switch ((buf[start] ?? 0) | 0x20) {
      case 0x6d: // m: MSG <subject> <sid> [reply] <size>
        return readMessage(buf, start, false);
      case 0x68: // h: HMSG <subject> <sid> [reply] <header size> <total size>
        return readMessage(buf, start, true);
    }
    const eol = buf.indexOf(NL, start);
    if (eol === -1) return 0;
    const lineEnd = eol > start && buf[eol - 1] === CR ? eol - 1 : eol;
    if (lineEnd === start) throw unreadable(buf, start, eol + 1);
    switch ((buf[start] ?? 0) | 0x20) {
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

  /** A MSG or HMSG: its line split into fields in the pass that finds its end. */
  const readMessage = (buf: Buffer, start: number, withHeaders: boolean): number => {
    let fields = 0;
    let inField = false;
    let at = start + (withHeaders ? 5 : 4);
    for (; at < buf.length; at++) {
      const byte = buf[at];
      if (byte === NL) break;
      if (byte === SPACE || byte === TAB || byte === CR) {
        if (inField) FIELD_END[fields++] = at;
        inField = false;
      } else if (!inField) {
        if (fields === MAX_FIELDS) throw unreadable(buf, start, at);
        FIELD_START[fields] = at;
        inField = true;
      }
    }
    if (at >= buf.length) return 0;
    if (inField) FIELD_END[fields++] = at;
    const withReply = fields === (withHeaders ? 5 : 4);
    if (!withReply && fields !== (withHeaders ? 4 : 3)) throw unreadable(buf, start, at);
    const size = numberIn(buf, fields - 1);
    const headerSize = withHeaders ? numberIn(buf, fields - 2) : 0;
    const sid = numberIn(buf, 1);
    if (size < 0 || headerSize < 0 || headerSize > size || sid < 0) throw unreadable(buf, start, at);
    const payload = at + 1;
    const end = payload + size + 2;
    if (end > buf.length) return start - end;
    on.message(
      sid,
      subjects.at(buf, FIELD_START[0] ?? 0, FIELD_END[0] ?? 0),
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
      const next = readOperation(Buffer.concat([...held, chunk.subarray(0, missing)], needed), 0);
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
        const next = readOperation(chunk, at);
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
 * Subjects as strings, each decoded once while it is among the last `SUBJECTS_KEPT` seen: a string
 * per message would be garbage, or, kept with the message, copied by every young-generation
 * collection until the message is let go.
 */
function decodedSubjects(): { at: (buf: Buffer, start: number, end: number) => string } {
  const bytes: Buffer[] = [];
  const texts: string[] = [];
  let next = 0;
  return {
    at(buf, start, end) {
      const length = end - start;
      for (let k = 0; k < bytes.length; k++) {
        const known = bytes[k] as Buffer;
        if (known.length !== length) continue;
        let i = 0;
        while (i < length && known[i] === buf[start + i]) i++;
        if (i === length) return texts[k] as string;
      }
      const text = buf.toString("utf8", start, end);
      bytes[next] = Buffer.from(buf.subarray(start, end));
      texts[next] = text;
      next = (next + 1) % SUBJECTS_KEPT;
      return text;
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
