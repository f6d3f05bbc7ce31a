import type { IntegrationStatus } from "../../store/index.ts";

/**
 * What an integration's status is decided from: the status last decided, the error it carries, and
 * the calls retrying right now, in every window in flight (a call is named by its window, its index
 * and its part, so that overlapping windows never answer for each other).
 */
export type HealthState = {
  status: IntegrationStatus;
  lastError?: string;
  retrying: ReadonlyMap<string, string>;
  /** Facts were lost from CHANGES and the resync that heals it has not asked every customer yet. */
  gap?: true;
};

/**
 * What happens to the integration's calls: one must be tried again (`retried`), one got an answer
 * (`answered`, whether it delivered or refused items), one ended without an answer (`abandoned`:
 * the sync stopped, or the send threw), or the provider refused the configuration (`refused`).
 */
export type HealthEvent =
  | { type: "retried"; call: string; reason: string }
  | { type: "answered"; call: string }
  | { type: "abandoned"; call: string }
  | { type: "refused"; reason: string; status?: "FAILING" | "DISABLED" }
  | { type: "gapFound"; reason: string }
  | { type: "resyncAsked" };

/** The status to store, when it changed. */
export type StatusChange = { status: IntegrationStatus; lastError?: string };

/** The health that starts a sync: its stored status, no call retrying, and whether a gap's resync is under way. */
export function initialHealth(status: IntegrationStatus, gap = false): HealthState {
  return { status, retrying: new Map(), ...(gap ? { gap: true } : {}) };
}

/**
 * Decides the integration's status from every call in flight: DEGRADED while any call of any window
 * is retrying, HEALTHY once none is and one got an answer. An answer while another call still
 * retries changes nothing, and a call abandoned without an answer proves nothing of the provider.
 * FAILING (the configuration was refused) holds until the configuration changes, which starts a
 * new sync; so does DISABLED when the provider asked to be sent nothing more. A gap in CHANGES makes it DEGRADED until its resync has asked every customer, and a
 * call answered after that.
 */
export function decideHealth(state: HealthState, event: HealthEvent): { state: HealthState; change?: StatusChange } {
  if (event.type === "refused") {
    const lastError = event.reason;
    const status = event.status ?? "FAILING";
    return { state: { ...state, status, lastError }, change: { status, lastError } };
  }
  if (event.type === "gapFound") {
    if (state.status === "FAILING" || state.status === "DISABLED") return { state: { ...state, gap: true } };
    const lastError = event.reason;
    return { state: { ...state, status: "DEGRADED", lastError, gap: true }, change: { status: "DEGRADED", lastError } };
  }
  if (event.type === "resyncAsked") {
    const { gap: _healed, ...rest } = state;
    return { state: rest };
  }
  const retrying = new Map(state.retrying);
  if (event.type === "retried") retrying.set(event.call, event.reason);
  else retrying.delete(event.call);
  const held = { ...state, retrying };
  if (state.status === "FAILING" || state.status === "DISABLED") return { state: held };

  if (event.type === "retried") {
    const lastError = `retrying: ${event.reason}`;
    if (state.status === "DEGRADED" && state.lastError === lastError) return { state: held };
    return { state: { status: "DEGRADED", lastError, retrying }, change: { status: "DEGRADED", lastError } };
  }
  if (event.type === "answered" && retrying.size === 0 && state.status === "DEGRADED" && !state.gap) {
    return { state: { status: "HEALTHY", retrying }, change: { status: "HEALTHY" } };
  }
  return { state: held };
}
