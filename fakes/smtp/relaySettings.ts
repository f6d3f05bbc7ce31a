import type { FakeSmtp } from "./startFakeSmtp.ts";

/** `EmailSettingsInput` reaching a fake SMTP relay: `configureEmail` with it sends there. */
export function relaySettings(smtp: FakeSmtp, extra: Record<string, unknown> = {}) {
  return {
    host: "127.0.0.1",
    port: smtp.port,
    secure: false,
    username: smtp.username,
    password: smtp.password,
    fromAddress: "news@shop.example",
    maxPerSecond: 100,
    ...extra,
  };
}
