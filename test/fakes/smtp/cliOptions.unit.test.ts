import { describe, expect, it } from "vitest";
import { parseCliOptions, usage } from "../../../fakes/smtp/cliOptions.ts";

describe("parseCliOptions", () => {
  it("defaults to ports 1025 and 1080 and no rate limit", () => {
    const options = parseCliOptions([], {});
    expect(options).toMatchObject({ port: 1025, controlPort: 1080 });
    expect(options.rateLimit).toBeUndefined();
  });

  it("reads flags (either form) over environment variables", () => {
    const options = parseCliOptions(["--port", "2525", "--username=masivo", "--rate-limit", "14"], {
      FAKE_SMTP_PORT: "2626",
      FAKE_SMTP_PASSWORD: "s3cret",
      FAKE_SMTP_MAX_MESSAGE_SIZE: "1000",
    });
    expect(options).toMatchObject({
      port: 2525,
      username: "masivo",
      password: "s3cret",
      maxMessageSize: 1000,
      rateLimit: { messages: 14, windowMs: 1000 },
    });
  });

  it.each([
    [["--port", "x"], /port/],
    [["--rate-limit", "0"], /rateLimit/],
    [["--nope"], /unknown option/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseCliOptions(argv, {})).toThrow(message);
  });

  it("lists every flag in the usage", () => {
    expect(usage()).toMatch(/--max-message-size/);
  });
});
