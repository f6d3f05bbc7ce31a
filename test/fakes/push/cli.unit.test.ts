import { describe, expect, it } from "vitest";
import { parseApnsCli } from "../../../fakes/push/apnsCli.ts";
import { parseFcmCli } from "../../../fakes/push/fcmCli.ts";

describe("npm run fake:fcm options", () => {
  it("take flags over environment and default the port to 4020", () => {
    expect(parseFcmCli([], {})).toMatchObject({ port: 4020, serviceAccount: undefined, rateLimit: undefined });
    const options = parseFcmCli(["--project", "demo", "--messages-per-minute=60"], {
      FAKE_FCM_PROJECT: "ignored",
      FAKE_FCM_UNREGISTERED: "t1, t2",
    });
    expect(options).toMatchObject({
      projectId: "demo",
      rateLimit: { limit: 60, windowMs: 60_000 },
      unregisteredTokens: ["t1", "t2"],
    });
  });

  it("refuse unknown flags, bad values and half a service account", () => {
    expect(() => parseFcmCli(["--bogus"], {})).toThrow("unknown option(s): --bogus");
    expect(() => parseFcmCli(["--messages-per-minute", "0"], {})).toThrow("messagesPerMinute");
    expect(() => parseFcmCli(["--client-email", "a@b"], {})).toThrow("go together");
  });
});

describe("npm run fake:apns options", () => {
  it("default the ports to 4030 and 4031 and read limits per minute and per second", () => {
    expect(parseApnsCli([], {})).toMatchObject({ port: 4030, controlPort: 4031, signingKey: undefined });
    expect(parseApnsCli(["--device-per-minute", "5", "--per-second", "1000", "--topics", "a.b,c.d"], {})).toMatchObject(
      {
        deviceRateLimit: { limit: 5, windowMs: 60_000 },
        rateLimit: { limit: 1000, windowMs: 1000 },
        topics: ["a.b", "c.d"],
      },
    );
  });

  it("need the team id, key id and public key together", () => {
    expect(() => parseApnsCli(["--team-id", "T"], {})).toThrow("go together");
  });
});
