import { z } from "zod";

/** What a customer may consent to: one per channel, plus ads and sharing data with destinations. */
export const CONSENT_PURPOSES = ["email", "push", "whatsapp", "sms", "ads", "dataSharing"] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

export const CONSENT_VALUES = ["GRANTED", "DENIED", "UNKNOWN"] as const;
/** Consent for one purpose: tri-state, UNKNOWN until the customer says. */
export const consentValueSchema = z.enum(CONSENT_VALUES);
export type ConsentValue = z.infer<typeof consentValueSchema>;

/** Some purposes, each set to a value; the purposes left out keep theirs. */
export const consentPatchSchema = z.partialRecord(z.enum(CONSENT_PURPOSES), consentValueSchema);
export type ConsentPatch = z.infer<typeof consentPatchSchema>;

/** Every purpose, each GRANTED, DENIED or UNKNOWN. */
export const consentStateSchema = z.record(z.enum(CONSENT_PURPOSES), consentValueSchema);
export type ConsentState = Record<ConsentPurpose, ConsentValue>;
