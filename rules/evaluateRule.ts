import { Query } from "mingo";
import type { Filter } from "./compileRule.ts";
import { compileRule, documentPath } from "./compileRule.ts";
import type { Rule } from "./ruleSchema.ts";

/** Evaluates an already compiled filter against one customer document, in memory. */
export function matchesFilter(filter: Filter, document: object): boolean {
  return new Query(filter).test(document as Record<string, unknown>);
}

/** In-memory membership: the very filter `compileRule` gives MongoDB, run by mingo. */
export function matchesRule(rule: Rule, document: object, now: Date): boolean {
  return matchesFilter(compileRule(rule, now), document);
}

/**
 * The document areas a rule reads: `profile`, `attributes`, `tags`, `consent`, `devices` and
 * `stats:<eventName>`; sorted, without repeats. Actors re-evaluate only audiences that read what changed.
 */
export function rulePaths(rule: Rule): string[] {
  const out = new Set<string>();
  const visit = (node: Rule): void => {
    if ("all" in node) node.all.forEach(visit);
    else if ("any" in node) node.any.forEach(visit);
    else if ("not" in node) visit(node.not);
    else if ("attribute" in node) out.add(documentPath(node.attribute).split(".")[0] ?? "attributes");
    else if ("tag" in node) out.add("tags");
    else if ("consent" in node) out.add("consent");
    else if ("hasDevice" in node) out.add("devices");
    else out.add(`stats:${node.event}`);
  };
  visit(rule);
  return [...out].sort();
}
