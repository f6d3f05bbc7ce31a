import { z } from "zod";

/**
 * Account ids appear in subjects, so they are limited to characters NATS subjects carry safely.
 * Customer ids never appear in subjects; they travel in payloads.
 */
export const accountIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be 1–63 characters of a-z, 0-9, _ and -, starting with a letter or digit");

/** The longest customer id, in UTF-16 code units. */
export const CUSTOMER_ID_MAX_LENGTH = 256;

/** Customer ids may hold any character (they never appear in subjects), within a length bound. */
export const customerIdSchema = z
  .string()
  .min(1, "must not be empty")
  .max(CUSTOMER_ID_MAX_LENGTH, `must be at most ${CUSTOMER_ID_MAX_LENGTH} characters`);
