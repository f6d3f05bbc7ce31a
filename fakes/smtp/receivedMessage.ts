import { type AddressObject, simpleParser } from "mailparser";

/** A message the fake accepted, as the envelope gave it and as mailparser read it. */
export type ReceivedMessage = {
  /** The id the 250 reply named ("queued as ..."). */
  queueId: string;
  /** The authenticated username. */
  user: string | undefined;
  envelope: { mailFrom: string | undefined; rcptTo: string[] };
  /** The From header, as text ("Name <a@b>"). */
  from: string | undefined;
  /** Addresses of the To header (lower-cased as written; the envelope is in `envelope`). */
  to: string[];
  cc: string[];
  subject: string | undefined;
  text: string | undefined;
  /** undefined for a text-only message. */
  html: string | undefined;
  messageId: string | undefined;
  /**
   * Every header, by lower-case name, as its unfolded value. A repeated header keeps all its
   * values, joined by "\n", so none is lost.
   */
  headers: Record<string, string>;
  /** Arrival, by the fake's clock (epoch ms). */
  receivedAt: number;
  /** Bytes of the message as sent in DATA (dot-unstuffed). */
  size: number;
};

export type Envelope = Pick<ReceivedMessage, "queueId" | "user" | "envelope" | "receivedAt">;

/** Parses the raw message; mailparser is lenient, so any bytes give a message. */
export async function parseReceivedMessage(raw: Buffer, envelope: Envelope): Promise<ReceivedMessage> {
  const parsed = await simpleParser(raw, { skipImageLinks: true });
  return {
    ...envelope,
    from: parsed.from?.text,
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    subject: parsed.subject,
    text: parsed.text,
    html: parsed.html === false ? undefined : parsed.html,
    messageId: parsed.messageId,
    headers: headerValues(parsed.headerLines),
    size: raw.length,
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((object) =>
    object.value.flatMap((entry) => (entry.address === undefined ? [] : [entry.address])),
  );
}

/** mailparser's `headerLines` are the raw lines; the value is what follows the first colon. */
function headerValues(lines: readonly { key: string; line: string }[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { key, line } of lines) {
    const value = line
      .slice(line.indexOf(":") + 1)
      .replace(/\r?\n[ \t]+/g, " ")
      .trim();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}\n${value}`;
  }
  return headers;
}
