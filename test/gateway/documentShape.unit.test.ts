import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { documentShapeError } from "../../gateway/documentShape.ts";

const bounds = { maxTokens: 10, maxNesting: 3 };

describe("document bounds, checked while lexing", () => {
  it.each([
    ["exactly the most tokens", "{ a b c d e f g h }", undefined],
    ["one token more", "{ a b c d e f g h i }", "QUERY_TOO_COSTLY"],
    ["comments, which are not tokens", `{ a # ${"x ".repeat(1000)}\n b }`, undefined],
    ["a long string, one token", `{ a(s: "${"x".repeat(100_000)}") }`, undefined],
    ["exactly the deepest nesting", "{ a(b: [1]) }", undefined],
    ["a list one level deeper", "{ a(b: [[1]]) }", "QUERY_TOO_DEEP"],
    ["selections one level deeper", "{ a { b { c { d } } } }", "QUERY_TOO_DEEP"],
  ])("given %s, when checked, then the refusal is %s", (_name, document, code) => {
    expect(documentShapeError(document, bounds)?.extensions.code).toBe(code);
  });

  it("given a 4 MiB document, when checked, then it stops at the first token past the bound", () => {
    const error = documentShapeError(`{ ${"a ".repeat(2 * 1024 * 1024)} }`, bounds);
    expect(error?.message).toBe("query has more than 10 tokens; at most 10 are read (pass large inputs as variables)");
    expect(error?.locations).toEqual([{ line: 1, column: 21 }]);
  });

  it("given text that is not GraphQL, when checked, then the syntax error is thrown as the parser throws it", () => {
    expect(() => documentShapeError('{ a(s: "unterminated) }', bounds)).toThrow(GraphQLError);
    expect(() => documentShapeError('{ a(s: "unterminated) }', bounds)).toThrow(/Syntax Error: Unterminated string/);
  });
});
