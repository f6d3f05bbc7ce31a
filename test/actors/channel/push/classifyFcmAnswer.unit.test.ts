import { describe, expect, it } from "vitest";
import { classifyFcmAnswer } from "../../../../actors/channel/push/classifyFcmAnswer.ts";

const fcmError = (status: number, errorCode: string | undefined, message = "") => ({
  status,
  headers: new Headers(),
  body: {
    error: {
      code: status,
      message,
      details:
        errorCode === undefined ? [] : [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode }],
    },
  },
});

describe("classifyFcmAnswer", () => {
  it("reads the FcmError code before the HTTP status", () => {
    expect(classifyFcmAnswer(fcmError(401, "THIRD_PARTY_AUTH_ERROR"), 0).kind).toBe("misconfigured");
    expect(classifyFcmAnswer(fcmError(403, "SENDER_ID_MISMATCH"), 0).kind).toBe("deadToken");
    expect(classifyFcmAnswer(fcmError(403, undefined, "Permission denied"), 0).kind).toBe("misconfigured");
  });

  it("takes an INVALID_ARGUMENT naming the registration token as a dead token, any other as failed", () => {
    const invalidToken = fcmError(
      400,
      "INVALID_ARGUMENT",
      "The registration token is not a valid FCM registration token",
    );
    expect(classifyFcmAnswer(invalidToken, 0).kind).toBe("deadToken");
    expect(classifyFcmAnswer(fcmError(400, "INVALID_ARGUMENT", "Message is too big"), 0).kind).toBe("failed");
  });

  it("honours Retry-After given as an HTTP date", () => {
    const answer = {
      ...fcmError(503, "UNAVAILABLE"),
      headers: new Headers({ "retry-after": "Thu, 01 Jan 1970 00:00:30 GMT" }),
    };
    expect(classifyFcmAnswer(answer, 10_000)).toMatchObject({ kind: "retry", afterMs: 20_000 });
  });
});
