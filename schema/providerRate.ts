import { z } from "zod";

/**
 * `maxPerSecond`: how fast the channel worker calls the provider for the account. Absent means the
 * provider's usual allowance for a new account (`usual`); more than `most` is refused, as no plan of
 * the provider allows it.
 */
export const maxPerSecondSchema = (usual: number, most: number) =>
  z
    .number()
    .int()
    .min(1, "must be at least 1")
    .max(most, `must be at most ${most}`)
    .nullish()
    .transform((value) => value ?? usual);
