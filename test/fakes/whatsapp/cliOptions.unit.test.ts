import { describe, expect, it } from "vitest";
import { parseCliOptions, usage } from "../../../fakes/whatsapp/cliOptions.ts";

const templates = JSON.stringify([{ name: "hello", language: "en_US", body: "Hello {{1}}" }]);
const readText = (path: string) => {
  if (path !== "templates.json") throw new Error(`no file ${path}`);
  return templates;
};

describe("parseCliOptions", () => {
  it("reads flags over environment, and templates from a file", () => {
    const options = parseCliOptions(
      ["--port", "0", "--tokens=a,b", "--templates", "templates.json", "--rate-limit-status", "429"],
      { FAKE_WHATSAPP_TOKENS: "env", FAKE_WHATSAPP_MAX_PER_SECOND: "5", FAKE_WHATSAPP_PHONE_NUMBER_IDS: "111,222" },
      readText,
    );
    expect(options).toMatchObject({
      port: 0,
      accessTokens: ["a", "b"],
      phoneNumberIds: ["111", "222"],
      maxPerSecond: 5,
      rateLimitStatus: 429,
      templates: [{ name: "hello", language: "en_US", category: "MARKETING", body: "Hello {{1}}" }],
    });
  });

  it("sets a pair rate limit only when asked, with a 6 s window unless given", () => {
    expect(parseCliOptions([], {}, readText).pairRateLimit).toBeUndefined();
    expect(parseCliOptions(["--pair-limit", "2"], {}, readText).pairRateLimit).toEqual({ limit: 2, windowMs: 6_000 });
  });

  it("defaults the port to 4020 from the command line", () => {
    expect(parseCliOptions([], {}, readText).port).toBe(4020);
  });

  it.each([
    [["--nope"], "unknown option"],
    [["--max-per-second", "0"], "maxPerSecond"],
    [["--rate-limit-status", "500"], "rateLimitStatus"],
  ])("refuses %j", (argv, message) => {
    expect(() => parseCliOptions(argv, {}, readText)).toThrow(message);
  });

  it("lists every flag in the usage", () => {
    for (const flag of ["--port", "--tokens", "--phone-number-ids", "--templates", "--max-per-second"]) {
      expect(usage()).toContain(flag);
    }
  });
});
