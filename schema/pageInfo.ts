import { builder } from "./builder.ts";

/** Where a page of a Relay-style connection ends, and whether more follow. */
export type PageInfo = { hasNextPage: boolean; endCursor: string | null };

export const PageInfoRef = builder.objectRef<PageInfo>("PageInfo").implement({
  description: "Pass `endCursor` as `after` to read the next page",
  fields: (t) => ({
    hasNextPage: t.exposeBoolean("hasNextPage"),
    endCursor: t.exposeString("endCursor", { nullable: true }),
  }),
});
