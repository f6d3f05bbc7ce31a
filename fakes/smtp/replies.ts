/**
 * Reply texts, after RFC 5321 §4.2 and the enhanced codes of RFC 3463. smtp-server does not add
 * enhanced codes by default, so the fake writes them into the texts it chooses, as Postfix does.
 */

/** The text a fault's reply code gets when the fault names none. */
export function defaultReplyText(code: number): string {
  const known = KNOWN_TEXTS[code];
  if (known !== undefined) return known;
  return code < 500 ? "4.0.0 Temporary failure, try again later" : "5.0.0 Permanent failure";
}

const KNOWN_TEXTS: Record<number, string> = {
  421: "4.3.2 Service not available, closing transmission channel",
  450: "4.2.1 Requested mail action not taken: mailbox unavailable",
  451: "4.3.0 Requested action aborted: local error in processing",
  452: "4.2.2 Requested action not taken: insufficient system storage",
  550: "5.1.1 Requested action not taken: mailbox unavailable",
  551: "5.1.6 User not local",
  552: "5.2.2 Requested mail action aborted: exceeded storage allocation",
  553: "5.1.3 Requested action not taken: mailbox name not allowed",
  554: "5.0.0 Transaction failed",
};

export const RATE_LIMITED = "4.7.0 Try again later: too many messages";
export const AUTH_FAILED = "5.7.8 Error: authentication failed";

export function queuedAs(queueId: string): string {
  return `2.0.0 Ok: queued as ${queueId}`;
}

/** An error smtp-server answers with `code` and `text`. */
export function smtpError(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}
