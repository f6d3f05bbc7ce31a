import type { Channel, MessageStatus } from "../../model/index.ts";
import type { ProviderAnswer } from "./providerAnswer.ts";

/**
 * What the pipeline does with a send once its delivery answered: record it final, try it again
 * later (handing it back to the queue), or hold it while the channel's settings are wrong.
 */
export type SendAction =
  | {
      kind: "finish";
      status: Exclude<MessageStatus, "QUEUED" | "SUPPRESSED">;
      reason?: string;
      providerMessageId?: string;
    }
  /** `unknown`: the outcome was unknown, so the send may have left already. */
  | { kind: "retry"; afterMs: number; reason: string; unknown?: true }
  | { kind: "hold"; afterMs: number; reason: string };

/** Provider calls a send may take before it is FAILED. */
export const MAX_ATTEMPTS = 8;
/** How long sends wait while their channel's settings are wrong before they are tried again. */
export const MISCONFIGURED_WAIT_MS = 30_000;
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 5 * 60_000;

/**
 * The channel's rule for an answer (docs/channels.md, "Retries and unknown outcomes"). An unknown
 * outcome — no answer, or a worker that died while calling — is where channels differ: push and
 * in-app go again (the collapse id, or the inbox's id, keeps the customer from seeing it twice),
 * email goes again once with the same Message-ID, WhatsApp never (UNKNOWN).
 *
 * @param attempts provider calls made so far, this one included
 * @param resentOnce the send already went again after an unknown outcome (email goes again once only)
 */
export function actOn(answer: ProviderAnswer, channel: Channel, attempts: number, resentOnce: boolean): SendAction {
  switch (answer.kind) {
    case "sent":
      return {
        kind: "finish",
        status: "SENT",
        ...(answer.providerMessageId && { providerMessageId: answer.providerMessageId }),
      };
    case "failed":
    case "deadToken":
      return { kind: "finish", status: "FAILED", reason: answer.reason };
    case "misconfigured":
      return { kind: "hold", afterMs: MISCONFIGURED_WAIT_MS, reason: answer.reason };
    case "retry":
      return attempts >= MAX_ATTEMPTS
        ? { kind: "finish", status: "FAILED", reason: `gave up after ${attempts} attempts: ${answer.reason}` }
        : { kind: "retry", afterMs: answer.afterMs ?? backoff(attempts), reason: answer.reason };
    case "unknown":
      return actOnUnknown(answer.reason, channel, attempts, resentOnce);
  }
}

/** A send taken over from a worker that died while it was calling the provider. */
export function actOnTakeover(channel: Channel, attempts: number, resentOnce: boolean): SendAction | undefined {
  const action = actOnUnknown(
    "the worker sending it stopped before the provider answered",
    channel,
    attempts,
    resentOnce,
  );
  // Going again: the caller sends it now rather than later.
  return action.kind === "retry" ? undefined : action;
}

function actOnUnknown(reason: string, channel: Channel, attempts: number, resentOnce: boolean): SendAction {
  const unknown = { kind: "finish", status: "UNKNOWN", reason } as const;
  if (channel === "WHATSAPP") return unknown;
  if (channel === "EMAIL" && resentOnce) return unknown;
  if (attempts >= MAX_ATTEMPTS)
    return { kind: "finish", status: "FAILED", reason: `gave up after ${attempts} attempts: ${reason}` };
  return { kind: "retry", afterMs: backoff(attempts), reason, unknown: true };
}

/** Doubling from 1 s, capped at 5 minutes. */
function backoff(attempts: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
}
