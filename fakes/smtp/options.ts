/**
 * What a fake SMTP relay can be told at start: account, size limit, rate limit, clock.
 * `resolveOptions` fills the defaults once, so the rest of the fake reads plain values.
 */

/** At most `messages` transactions (MAIL FROM) in any rolling `windowMs`. */
export type SmtpRateLimit = { messages: number; windowMs: number };

export type FakeSmtpOptions = {
  /** SMTP port; default 0 (a free port). */
  port?: number;
  /** HTTP port of the /__fake/ control endpoints; default 0 (a free port). */
  controlPort?: number;
  /** Address both listen on; default 127.0.0.1. */
  host?: string;
  /** The one account AUTH PLAIN/LOGIN accepts. */
  username?: string;
  password?: string;
  /** Largest message in bytes, advertised as SIZE; bigger ones get 552. Default 10 MiB. */
  maxMessageSize?: number;
  /** Default: none. Over it, MAIL FROM gets 451 4.7.0. */
  rateLimit?: SmtpRateLimit;
  /** Messages kept for inspection (oldest dropped); the counters count every one. Default 1,000. */
  messageLogSize?: number;
  /** Epoch milliseconds; drives the rate window and the time a message is received. */
  now?: () => number;
};

export const DEFAULT_USERNAME = "fake-smtp-user";
export const DEFAULT_PASSWORD = "fake-smtp-pass";
export const DEFAULT_MAX_MESSAGE_SIZE = 10 * 1024 * 1024;

export type ResolvedOptions = {
  port: number;
  controlPort: number;
  host: string;
  username: string;
  password: string;
  maxMessageSize: number;
  rateLimit: SmtpRateLimit | undefined;
  messageLogSize: number;
  now: () => number;
};

export function resolveOptions(options: FakeSmtpOptions = {}): ResolvedOptions {
  return {
    port: options.port ?? 0,
    controlPort: options.controlPort ?? 0,
    host: options.host ?? "127.0.0.1",
    username: options.username ?? DEFAULT_USERNAME,
    password: options.password ?? DEFAULT_PASSWORD,
    maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
    rateLimit: options.rateLimit,
    messageLogSize: options.messageLogSize ?? 1_000,
    now: options.now ?? Date.now,
  };
}
