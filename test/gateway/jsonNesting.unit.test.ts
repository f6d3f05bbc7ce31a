import { describe, expect, it } from "vitest";
import { jsonNestsDeeperThan } from "../../gateway/jsonNesting.ts";

describe("JSON nesting, found before parsing", () => {
  it.each([
    ["exactly the deepest", '{"a":[[1]]}', false],
    ["one level deeper", '{"a":[[[1]]]}', true],
    ["siblings, never deeper", '[[1],[2],{"a":[3]},[[4]]]', false],
    ["brackets inside strings", '{"a":"[[[[{{{{"}', false],
    ["escaped quotes inside strings", '{"a":"\\"[[[[\\""}', false],
    ["an escaped backslash ending a string", '{"a":"\\\\","b":[[[1]]]}', true],
  ])("given %s, when scanned at 3, then deeper is %s", (_name, text, deeper) => {
    expect(jsonNestsDeeperThan(text, 3)).toBe(deeper);
  });

  // How fast it answers is measured end to end, beside an accepted 4 MiB document
  // (queryLimits.e2e.test.ts); timing goals stay out of unit tests.
  it("given 4 MiB of brackets, when scanned, then it is deeper than the bound", () => {
    expect(jsonNestsDeeperThan("[".repeat(4 * 1024 * 1024), 64)).toBe(true);
  });
});
