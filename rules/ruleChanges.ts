import { windowMs } from "./compileRule.ts";
import type { Rule } from "./ruleSchema.ts";

/** An event's history as the customer document holds it (see model/ `EventStat`). */
type EventHistory = { name: string; lastAt: string; recent: readonly string[] };

/**
 * The first instant after `now` at which time alone could change whether `rule` matches the
 * customer: an event condition compares its times with `now - window`, so its answer can change
 * only when a time it reads (the last, or for a count the recent ones) leaves the window. Undefined
 * when no time in the document can: the rule's answer then changes only with the data. The
 * customer actor wakes at this instant, so time-window audiences are left (and entered) on time.
 */
export function nextRuleChange(rule: Rule, document: { stats: readonly EventHistory[] }, now: Date): Date | undefined {
  const at = now.getTime();
  let earliest: number | undefined;
  const visit = (node: Rule): void => {
    if ("all" in node) node.all.forEach(visit);
    else if ("any" in node) node.any.forEach(visit);
    else if ("not" in node) visit(node.not);
    else if ("event" in node) {
      const window = "within" in node ? node.within : node.notWithin;
      const history = document.stats.find((stat) => stat.name === node.event);
      if (!history) return;
      // A count reads its recent times; the rest read the last one alone.
      const times = "count" in node && node.count !== undefined ? history.recent : [history.lastAt];
      for (const time of times) {
        // In the window while `time >= now - window`: out 1 ms after `time + window`.
        const leaves = Date.parse(time) + windowMs(window) + 1;
        if (leaves > at && (earliest === undefined || leaves < earliest)) earliest = leaves;
      }
    }
  };
  visit(rule);
  return earliest === undefined ? undefined : new Date(earliest);
}

/** Whether `rule` reads time windows at all: only those rules can change with time alone. */
export function readsTimeWindows(rule: Rule): boolean {
  if ("all" in rule) return rule.all.some(readsTimeWindows);
  if ("any" in rule) return rule.any.some(readsTimeWindows);
  if ("not" in rule) return readsTimeWindows(rule.not);
  return "event" in rule;
}
