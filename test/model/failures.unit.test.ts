import { describe, expect, it } from "vitest";
import { ClientFacingError, classifyFailure, clientText, type FailureClassifier } from "../../model/index.ts";

class DriverError extends Error {}
const store: FailureClassifier = (error) =>
  error instanceof DriverError ? { what: "the store is unavailable", retryable: true } : undefined;

describe("clientText", () => {
  it("keeps a ClientFacingError's own words", () => {
    expect(clientText(new ClientFacingError("the header row must have a customerId column"), "ref_1", [store])).toBe(
      "the header row must have a customerId column",
    );
  });

  it("names what failed and the reference, never the error's own text", () => {
    const text = clientText(new DriverError("connect ECONNREFUSED mongo-0.internal:27017"), "ref_2", [store]);
    expect(text).toBe("the store is unavailable (ref ref_2)");
    expect(clientText(new TypeError("x is undefined at operations.ts:42"), "ref_3", [store])).toBe(
      "an unexpected error (ref ref_3)",
    );
  });

  it("reads a known failure among an error's causes, and stops on a cycle", () => {
    const wrapped = new Error("could not queue the run", { cause: new DriverError("host mongo-0") });
    expect(classifyFailure(wrapped, [store])).toEqual({ what: "the store is unavailable", retryable: true });
    const cyclic = new Error("a");
    cyclic.cause = cyclic;
    expect(classifyFailure(cyclic, [store])).toBeUndefined();
  });
});
