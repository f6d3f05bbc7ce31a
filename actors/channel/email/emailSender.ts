import { createTransport } from "nodemailer";
import type { EmailSecrets, EmailSettings, MessageCategory } from "../../../model/index.ts";
import type { ProviderAnswer } from "../providerAnswer.ts";
import { classifySmtpError, type SmtpError } from "./classifySmtpError.ts";
import { messageIdOf, unsubscribeHeaders } from "./emailHeaders.ts";

/** One rendered email to one recipient (the strings of an `EmailContent`, already rendered). */
export type OutgoingEmail = {
  /** The send's idempotency key: the `Message-ID` is derived from it. */
  sendKey: string;
  to: string;
  category: MessageCategory;
  subject: string;
  html?: string;
  text?: string;
  /** One-click unsubscribe link; used for MARKETING mail only. */
  unsubscribeUrl?: string;
};

export type EmailSender = {
  send(mail: OutgoingEmail): Promise<ProviderAnswer>;
  /** Closes the pooled connections; sends still queued fail. */
  close(): void;
};

export type EmailSenderOptions = {
  /** How long one send may take, connecting included; later it is `unknown`. Default 10 s. */
  timeoutMs?: number;
  /** Open SMTP connections at most. Default 5. */
  maxConnections?: number;
};

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * A pooled SMTP transport for one email integration. nodemailer's own `rateLimit` is left off: the
 * pipeline paces sends to `maxPerSecond` for every worker, which a per-process limit cannot do.
 * Nor does the pool requeue a message whose connection dropped: retrying is the pipeline's call.
 */
export function createEmailSender(
  settings: EmailSettings,
  secrets: EmailSecrets,
  options: EmailSenderOptions = {},
): EmailSender {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const transport = createTransport({
    pool: true,
    maxConnections: options.maxConnections ?? 5,
    maxRequeues: 0,
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    ...(settings.username === undefined ? {} : { auth: { user: settings.username, pass: secrets.password ?? "" } }),
  });
  const from =
    settings.fromName === undefined ? settings.fromAddress : { name: settings.fromName, address: settings.fromAddress };

  const send = async (mail: OutgoingEmail): Promise<ProviderAnswer> => {
    const messageId = messageIdOf(mail.sendKey, settings.fromAddress);
    const sending = transport.sendMail({
      from,
      to: mail.to,
      ...(settings.replyTo === undefined ? {} : { replyTo: settings.replyTo }),
      subject: mail.subject,
      ...(mail.html === undefined ? {} : { html: mail.html }),
      ...(mail.text === undefined ? {} : { text: mail.text }),
      messageId,
      headers: unsubscribeHeaders(mail.category, mail.unsubscribeUrl),
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<ProviderAnswer>((resolve) => {
      timer = setTimeout(
        () => resolve({ kind: "unknown", reason: `no SMTP answer within ${timeoutMs} ms` }),
        timeoutMs,
      );
    });
    const answered = sending.then(
      (info): ProviderAnswer =>
        info.rejected.length > 0
          ? { kind: "failed", reason: `recipient refused: ${info.response}` }
          : { kind: "sent", providerMessageId: messageId },
      (error: SmtpError) => classifySmtpError(error),
    );
    try {
      return await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };
  return { send, close: () => transport.close() };
}
