import { describe, expect, it } from "vitest";
import { parseCliOptions } from "../../../fakes/braze/cliOptions.ts";

describe("parseCliOptions", () => {
  it("defaults to port 4010, the default key and Braze's limits", () => {
    expect(parseCliOptions([], {})).toMatchObject({
      port: 4010,
      keys: [{ key: "fake-braze-key" }],
      rateLimits: {
        track: { limit: 3_000, windowMs: 3_000 },
        usersManagement: { limit: 20_000, windowMs: 60_000 },
      },
    });
  });

  it("reads flags (either form) over environment variables", () => {
    const options = parseCliOptions(
      ["--port", "5000", "--keys=a,b@fra-01", "--batch-mode", "legacy", "--track-limit=10", "--reset-header", "delta"],
      { FAKE_BRAZE_PORT: "6000", FAKE_BRAZE_CLUSTER: "rest.iad-01.braze.com", FAKE_BRAZE_TRACK_WINDOW_MS: "500" },
    );
    expect(options).toMatchObject({
      port: 5000,
      keys: [
        { key: "a", cluster: "rest.iad-01.braze.com" },
        { key: "b", cluster: "fra-01" },
      ],
      batchMode: "PER_TYPE",
      rateLimits: { track: { limit: 10, windowMs: 500 } },
      resetHeader: "delta",
    });
  });

  it("counts duplicates only when asked to", () => {
    expect(parseCliOptions([], {}).countDuplicates).toBeUndefined();
    expect(parseCliOptions(["--count-duplicates", "1"], {}).countDuplicates).toBe(true);
    expect(parseCliOptions([], { FAKE_BRAZE_COUNT_DUPLICATES: "false" }).countDuplicates).toBe(false);
  });

  it("keeps events and purchases unless told not to", () => {
    expect(parseCliOptions([], {}).keepObjects).toBeUndefined();
    expect(parseCliOptions(["--keep-objects=0"], {}).keepObjects).toBe(false);
    expect(parseCliOptions([], { FAKE_BRAZE_KEEP_OBJECTS: "true" }).keepObjects).toBe(true);
  });

  it.each([
    [["--port", "x"], /port/],
    [["--count-duplicates", "yes"], /countDuplicates/],
    [["--keep-objects", "no"], /keepObjects/],
    [["--batch-mode", "huge"], /batchMode/],
    [["--track-limit", "0"], /trackLimit/],
    [["--reset-header", "sometimes"], /resetHeader/],
    [["--verbose"], /unknown option/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseCliOptions(argv, {})).toThrow(message);
  });
});
