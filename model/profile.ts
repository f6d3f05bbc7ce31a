import { z } from "zod";

/** The standard profile fields, each a string; rules read them by these names. */
export const PROFILE_FIELDS = ["email", "phone", "firstName", "lastName", "tier", "timezone"] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

export const profileSchema = z.object({
  email: z.string().optional(),
  phone: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  tier: z.string().optional(),
  /** IANA time zone: caps and quiet hours are counted in it (else the account's). */
  timezone: z.string().optional(),
} satisfies Record<ProfileField, z.ZodType>);
export type Profile = z.infer<typeof profileSchema>;

/** What a `customer.profileChanged` fact can name in `changed`: a standard field, or a whole part. */
export const PROFILE_PARTS = [...PROFILE_FIELDS, "attributes", "consent", "identified"] as const;
export type ProfilePart = (typeof PROFILE_PARTS)[number];
