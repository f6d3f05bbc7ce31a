import { describe, expect, it } from "vitest";
import { RULE_BOUNDS, ruleBoundsProblem, validateRule } from "../../rules/index.ts";

const tag = (i: number) => ({ tag: `t${i}` });
/** `levels` levels: `not` around `not` … around one condition. */
function nested(levels: number): unknown {
  let rule: unknown = tag(0);
  for (let level = 1; level < levels; level++) rule = { not: rule };
  return rule;
}
/** A valid rule of about `bytes` bytes: one `in` condition over many cities. */
const sized = (bytes: number) => ({
  attribute: "attributes.city",
  op: "in",
  value: Array.from({ length: Math.ceil(bytes / 12) }, (_, i) => `city-${String(i).padStart(4, "0")}`),
});

describe("rule bounds", () => {
  it("take 100 conditions and refuse 101, counted in all, any and not alike", () => {
    const conditions = (n: number) => ({
      all: [{ any: Array.from({ length: n - 2 }, (_, i) => tag(i)) }, { not: tag(-1) }, tag(-2)],
    });
    expect(ruleBoundsProblem(conditions(100))).toBeUndefined();
    expect(validateRule(conditions(100)).ok).toBe(true);
    expect(ruleBoundsProblem(conditions(101))).toBe("must hold at most 100 conditions");
    expect(ruleBoundsProblem({ any: Array.from({ length: 300_000 }, (_, i) => tag(i)) })).toBe(
      "must hold at most 100 conditions",
    );
  });

  it("take 10 levels and refuse 11, however deep the rule goes", () => {
    expect(ruleBoundsProblem(nested(RULE_BOUNDS.depth))).toBeUndefined();
    expect(ruleBoundsProblem(nested(RULE_BOUNDS.depth + 1))).toBe("must nest at most 10 levels deep");
    expect(ruleBoundsProblem({ all: [tag(1), { any: [nested(50_000)] }] })).toBe("must nest at most 10 levels deep");
  });

  it("take 16 KiB of JSON and refuse more, a 1.2 MB rule among them, naming its size", () => {
    const within = sized(15_000);
    expect(Buffer.byteLength(JSON.stringify(within))).toBeLessThanOrEqual(16 * 1024);
    expect(ruleBoundsProblem(within)).toBeUndefined();
    const huge = sized(1_200_000);
    const bytes = Buffer.byteLength(JSON.stringify(huge));
    expect(bytes).toBeGreaterThan(1_200_000);
    expect(ruleBoundsProblem(huge)).toBe(`must be at most 16 KiB encoded as JSON (it is ${bytes} bytes)`);
    expect(ruleBoundsProblem({ tag: "x".repeat(17_000) })).toMatch(/^must be at most 16 KiB encoded/);
  });

  it("refuse a value nested too deeply to encode, without throwing", () => {
    let value: unknown = "deep";
    for (let i = 0; i < 1_000_000; i++) value = [value];
    expect(ruleBoundsProblem({ attribute: "tier", op: "eq", value })).toBe(
      "must be at most 16 KiB encoded as JSON (it cannot be encoded)",
    );
  });
});
