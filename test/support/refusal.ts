import { expect } from "vitest";
import type { GraphQLResult } from "./world.ts";

/** A refused operation's code, the fields its issues name, and their messages (fails when it was accepted). */
export function refused(result: GraphQLResult<unknown>) {
  const error = result.errors?.[0] ?? expect.fail(`accepted: ${JSON.stringify(result.data)}`);
  const issues = (error.extensions?.issues ?? []) as { field: string; message: string }[];
  return {
    code: error.extensions?.code,
    fields: issues.map((issue) => issue.field),
    messages: issues.map((i) => i.message),
  };
}
