import { describe, expect, it } from "vitest";
import { parseMap, parseOperations } from "../../gateway/multipartFields.ts";

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("multipart JSON fields, bounded before they are parsed", () => {
  it("given operations whose variables nest 1 MiB deep, when parsed, then they are refused as a bad request", () => {
    const text = `{"query":"{ __typename }","variables":{"v":${nested(512 * 1024)}}}`;
    expect(() => parseOperations(text)).toThrow(
      'multipart field "operations" nests arrays and objects more than 64 deep',
    );
  });

  it("given a map nested too deep, when parsed, then it is refused", () => {
    expect(() => parseMap(`{"0":${nested(100)}}`)).toThrow(
      'multipart field "map" nests arrays and objects more than 64 deep',
    );
  });

  it("given operations nested within the bound, when parsed, then they are read", () => {
    const operations = parseOperations(`{"query":"{ __typename }","variables":{"v":${nested(60)}}}`);
    expect(operations).toMatchObject({ query: "{ __typename }" });
  });
});
