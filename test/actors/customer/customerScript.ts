import { applyCommand } from "../../../actors/customer/applyCommand.ts";
import type { IngestCommand, IngestCommandType, PersistedCustomer } from "../../../model/index.ts";

/** The acceptance time of every scripted command, and minute 0 of the injected clock. */
export const T0 = "2026-03-01T12:00:00.000Z";
/** `n` minutes after T0, as the injected clock. */
export const at = (n: number) => new Date(Date.parse(T0) + n * 60_000);
export const iso = (n: number) => at(n).toISOString();

type Data<T extends IngestCommandType> = Extract<IngestCommand, { type: T }>["data"];
let sequence = 0;

/** An INGEST command for customer `c1` of account `acme` (or `options.customerId`), with a fresh id unless given. */
export function command<T extends IngestCommandType>(
  type: T,
  data: Data<T>,
  options: { id?: string; customerId?: string } = {},
): IngestCommand {
  const metadata = {
    account: "acme",
    customerId: options.customerId ?? "c1",
    commandId: options.id ?? `cmd-${++sequence}`,
    acceptedAt: T0,
  };
  return { type, data, metadata } as IngestCommand;
}

/** The customer after these commands, applied in order from nothing (the n-th at minute n). */
export function given(...commands: IngestCommand[]): PersistedCustomer | undefined {
  let snapshot: PersistedCustomer | undefined;
  commands.forEach((cmd, minute) => {
    snapshot = applyCommand(snapshot, cmd, at(minute)).snapshot;
  });
  return snapshot;
}

/** A new customer's consent: written out, so a change to the default shows in the tests. */
export const UNKNOWN_CONSENT = {
  email: "UNKNOWN",
  push: "UNKNOWN",
  whatsapp: "UNKNOWN",
  sms: "UNKNOWN",
  ads: "UNKNOWN",
  dataSharing: "UNKNOWN",
} as const;
