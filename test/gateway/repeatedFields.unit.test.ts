import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { mostRepeatedField } from "../../gateway/repeatedFields.ts";

const mostRepeated = (document: string) => {
  const found = mostRepeatedField(parse(document));
  return found && { name: found.name, times: found.times };
};

describe("the response name selected most often in one selection set", () => {
  it.each([
    ["no name twice", "{ a b { a } }", undefined],
    ["a field written three times", "{ a a b a }", { name: "a", times: 3 }],
    ["an alias counts as its own name", "{ a: x b: x a: y }", { name: "a", times: 2 }],
    ["inline fragments count with the set around them", "{ x ... on Q { x ... { x } } }", { name: "x", times: 3 }],
    ["a fragment counts each time it is spread", "{ x ...F ...F } fragment F on Q { x }", { name: "x", times: 3 }],
    [
      "fragments spreading fragments",
      "{ ...F ...G } fragment F on Q { ...G } fragment G on Q { x }",
      { name: "x", times: 2 },
    ],
    ["sets inside fields, each on its own", "{ a { x x } b { x } }", { name: "x", times: 2 }],
    ["a set inside a fragment", "{ ...F } fragment F on Q { a { y y y } }", { name: "y", times: 3 }],
    ["a fragment spread inside itself adds nothing", "{ ...F } fragment F on Q { x ...F }", undefined],
  ])("given %s, when counted, then it is found", (_name, document, expected) => {
    expect(mostRepeated(document)).toEqual(expected);
  });
});
