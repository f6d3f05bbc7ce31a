import type { ConsentPatch, ConsentPurpose, CustomerState } from "../../model/index.ts";

/** The customer followed an unsubscribe link: DENIED for the purpose, remembered as an unsubscribe (see `CustomerState.unsubscribed`). */
export function unsubscribe(state: CustomerState, purpose: ConsentPurpose): CustomerState {
  const unsubscribed = [...new Set([...(state.unsubscribed ?? []), purpose])].sort();
  return { ...state, consent: { ...state.consent, [purpose]: "DENIED" }, unsubscribed };
}

/** An explicit consent change for a purpose replaces an unsubscribe from it. */
export function stillUnsubscribed(state: CustomerState, patch: ConsentPatch): CustomerState {
  if (!state.unsubscribed) return state;
  const unsubscribed = state.unsubscribed.filter((purpose) => patch[purpose] === undefined);
  if (unsubscribed.length === state.unsubscribed.length) return state;
  const { unsubscribed: _, ...rest } = state;
  return unsubscribed.length > 0 ? { ...rest, unsubscribed } : rest;
}
