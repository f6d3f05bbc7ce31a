import { describe, expect, it } from "vitest";
import { classifySmtpError } from "../../../../actors/channel/email/classifySmtpError.ts";

describe("classifySmtpError", () => {
  it("takes a temporary AUTH failure (454) for the server's trouble, a refused one (535) for the account's", () => {
    expect(classifySmtpError({ message: "", code: "EAUTH", responseCode: 454 }).kind).toBe("retry");
    expect(classifySmtpError({ message: "", code: "EAUTH", responseCode: 535 }).kind).toBe("misconfigured");
    expect(classifySmtpError({ message: "", code: "EENVELOPE", responseCode: 530 }).kind).toBe("misconfigured");
  });

  it("reads the refused recipient's reply, not the envelope error's", () => {
    const error = {
      message: "Can't send mail - all recipients were rejected",
      code: "EENVELOPE",
      rejectedErrors: [{ message: "", code: "EENVELOPE", responseCode: 452, response: "452 4.2.2 Mailbox full" }],
    };
    expect(classifySmtpError(error)).toEqual({ kind: "retry", reason: "EENVELOPE: 452 4.2.2 Mailbox full" });
  });

  it("retries a timeout before the greeting, and leaves one later in the session unknown", () => {
    expect(classifySmtpError({ message: "", code: "ETIMEDOUT", timeoutType: "GREETING_TIMEOUT" }).kind).toBe("retry");
    expect(classifySmtpError({ message: "", code: "ETIMEDOUT", timeoutType: "SOCKET_TIMEOUT" }).kind).toBe("unknown");
    expect(classifySmtpError({ message: "", code: "ECONNECTION" }).kind).toBe("retry");
  });
});
