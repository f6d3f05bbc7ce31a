import type { Rule } from "./ruleSchema.ts";
import { RuleSchema } from "./ruleSchema.ts";

export type ValidateResult = { ok: true; rule: Rule } | { ok: false; errors: string[] };

/** `["all", 1, "within", "days"]` → `all[1].within.days`; the root node is called `root` (`rule`). */
export function formatPath(path: readonly PropertyKey[], root = "rule"): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out === "" ? root : out;
}

/** Checks a rule against the grammar of docs/rules.md; every error names the node and what is wrong. */
export function validateRule(json: unknown): ValidateResult {
  const result = RuleSchema.safeParse(json);
  if (result.success) return { ok: true, rule: result.data };
  const errors = [...new Set(result.error.issues.map((i) => `${formatPath(i.path)} ${i.message}`))];
  return { ok: false, errors };
}
