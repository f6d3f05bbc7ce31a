/** The most a rule may hold (docs/rules.md): bytes of its JSON text, conditions, and levels of nesting. */
export const RULE_BOUNDS = { bytes: 16 * 1024, conditions: 100, depth: 10 } as const;

const LOGIC_KEYS = ["all", "any", "not"] as const;

/** The rule nodes right under `node` when it is an `all`, `any` or `not`; undefined for a condition. */
function childrenOf(node: unknown): unknown[] | undefined {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return undefined;
  const key = LOGIC_KEYS.find((k) => k in node);
  if (key === undefined) return undefined;
  const children = (node as Record<string, unknown>)[key];
  return Array.isArray(children) ? children : [children];
}

/** Encoded size in bytes; a value nested too deeply to encode counts as beyond any bound. */
export function encodedBytes(json: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(json) ?? "");
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * Why `json` is beyond a rule's bounds, naming the bound, or undefined within them. The walk goes
 * no deeper than the depth bound and stops counting past the conditions bound, and the text is
 * measured only once both hold, so a huge or deeply nested value costs little to refuse. Checked
 * before the grammar; a node that is not `all`, `any` or `not` counts as one condition.
 */
export function ruleBoundsProblem(json: unknown): string | undefined {
  let conditions = 0;
  const pending: { node: unknown; depth: number }[] = [{ node: json, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.depth > RULE_BOUNDS.depth) return `must nest at most ${RULE_BOUNDS.depth} levels deep`;
    const children = childrenOf(next.node);
    if (children === undefined) conditions += 1;
    else for (const node of children) pending.push({ node, depth: next.depth + 1 });
    if (conditions > RULE_BOUNDS.conditions) return `must hold at most ${RULE_BOUNDS.conditions} conditions`;
  }
  const bytes = encodedBytes(json);
  if (bytes > RULE_BOUNDS.bytes) {
    const size = Number.isFinite(bytes) ? `it is ${bytes} bytes` : "it cannot be encoded";
    return `must be at most ${RULE_BOUNDS.bytes / 1024} KiB encoded as JSON (${size})`;
  }
  return undefined;
}
