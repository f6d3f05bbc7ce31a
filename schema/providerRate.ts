import { z } from "zod";

/**
 * `maxPerSecond`: how fast Masivo calls a provider (a channel's, a webhook endpoint). Absent means the
 * provider's usual allowance for a new account (`usual`); more than `most` is refused (no plan of
 * the provider allows it; for a webhook, no endpoint's sync could keep up with it).
 */
export const maxPerSecondSchema = (usual: number, most: number) =>
  z
    .number()
    .int()
    .min(1, "must be at least 1")
    .max(most, `must be at most ${most}`)
    .nullish()
    .transform((value) => value ?? usual);
