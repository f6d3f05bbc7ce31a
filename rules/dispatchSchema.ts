import { z } from "zod";

/**
 * A schema that looks at a value to pick the schema it must pass (or says at once why it passes
 * none), then reports that schema's issues at their own paths. Picking first keeps every error at
 * the node that is wrong, where a union would list why each of its options failed.
 */
export function dispatchSchema<T>(choose: (value: unknown) => z.ZodType<T> | string): z.ZodType<T> {
  return z.unknown().transform((value, ctx): T => {
    const schema = choose(value);
    if (typeof schema === "string") {
      ctx.addIssue({ code: "custom", message: schema });
      return z.NEVER;
    }
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
    return z.NEVER;
  }) as unknown as z.ZodType<T>;
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
