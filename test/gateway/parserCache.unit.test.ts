import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { boundedParserCaches } from "../../gateway/parserCache.ts";

describe("yoga's parser caches, bounded by query text", () => {
  it("given a document of 4 MiB, when cached, then it is not kept", () => {
    const { documentCache, errorCache } = boundedParserCaches();
    const long = `{ __typename } #${"x".repeat(4 * 1024 * 1024)}`;
    documentCache.set(long, parse("{ __typename }"));
    errorCache.set(long, new Error("refused"));
    expect(documentCache.get(long)).toBeUndefined();
    expect(errorCache.get(long)).toBeUndefined();
  });

  it("given many long documents, when cached, then they hold at most 16 Mi characters", () => {
    const { documentCache } = boundedParserCaches();
    const document = parse("{ __typename }");
    for (let i = 0; i < 1000; i += 1) documentCache.set(`{ __typename } # ${i} ${"x".repeat(60_000)}`, document);
    expect(documentCache.calculatedSize).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(documentCache.size).toBeGreaterThan(200);
  });

  it("given a short document, when cached, then it is kept", () => {
    const { documentCache } = boundedParserCaches();
    const document = parse("{ __typename }");
    documentCache.set("{ __typename }", document);
    expect(documentCache.get("{ __typename }")).toBe(document);
  });
});
