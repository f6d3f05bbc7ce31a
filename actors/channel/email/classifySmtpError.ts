import type { ProviderAnswer } from "../providerAnswer.ts";

/** The fields of a nodemailer error we read (its `NodemailerError`, kept structural on purpose). */
export type SmtpError = {
  message: string;
  code?: string;
  /** Which wait an ETIMEDOUT ended: before the greeting nothing was sent. */
  timeoutType?: string;
  responseCode?: number;
  response?: string;
  rejectedErrors?: SmtpError[];
};

/**
 * What a refused SMTP send means for the pipeline. A refused AUTH (535), or AUTH missing (530), is the account's
 * credentials: nothing of this integration can go. A refused recipient or 5xx is for good; 4xx and
 * socket trouble (connection refused or dropped, a server's 421) may pass later. A
 * timeout once the session was under way leaves the outcome unknown.
 */
export function classifySmtpError(error: SmtpError): ProviderAnswer {
  const refusal = error.rejectedErrors?.[0] ?? error;
  const code = refusal.responseCode;
  const reason = describe(refusal);
  // A 454 to AUTH is the server's trouble, not the password's.
  if (code !== undefined && code >= 400 && code < 500) return { kind: "retry", reason };
  if (error.code === "EAUTH" || error.code === "ENOAUTH" || code === 530) return { kind: "misconfigured", reason };
  if (code !== undefined && code >= 500) return { kind: "failed", reason };
  if (error.code === "ETIMEDOUT" && !NOTHING_SENT_YET.has(error.timeoutType ?? "")) return { kind: "unknown", reason };
  if (error.code === "EENVELOPE" || error.code === "EMESSAGE") return { kind: "failed", reason };
  return { kind: "retry", reason };
}

const NOTHING_SENT_YET = new Set(["CONNECT_TIMEOUT", "GREETING_TIMEOUT"]);

function describe(error: SmtpError): string {
  const reply = error.response ?? error.message;
  return error.code === undefined ? reply : `${error.code}: ${reply}`;
}
