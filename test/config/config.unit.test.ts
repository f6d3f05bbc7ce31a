import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, ROLES } from "../../config/config.ts";

describe("loadConfig", () => {
  it("applies the documented defaults to an empty environment", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      opsPort: 9464,
      drainSeconds: 25,
      natsUrl: undefined,
      mongodbUrl: undefined,
      dataDir: ".data",
      rootKey: undefined,
      roles: [...ROLES],
      allowLocalDestinations: false,
      partitions: 32,
      streamReplicas: 1,
      brazeTrackLimit: undefined,
      brazeRetryMaxSeconds: undefined,
      brazePlanningThread: undefined,
    });
  });

  it("reads every variable", () => {
    const config = loadConfig({
      PORT: "8080",
      MASIVO_OPS_PORT: "0",
      MASIVO_DRAIN_SECONDS: "10",
      NATS_URL: "nats://a:4222,nats://b:4222",
      MONGODB_URL: "mongodb://db:27017/masivo",
      MASIVO_DATA_DIR: "/var/lib/masivo",
      MASIVO_ROOT_KEY: "r".repeat(20),
      MASIVO_ROLES: "gateway, customers",
      MASIVO_ALLOW_LOCAL_DESTINATIONS: "1",
      MASIVO_MASTER_KEY: "m".repeat(32),
      MASIVO_BRAZE_TRACK_LIMIT: "6000",
      MASIVO_BRAZE_RETRY_MAX_SECONDS: "6",
      MASIVO_BRAZE_PLANNING_THREAD: "1",
      MASIVO_STREAM_REPLICAS: "3",
    });
    expect(config).toMatchObject({
      port: 8080,
      opsPort: 0,
      drainSeconds: 10,
      natsUrl: "nats://a:4222,nats://b:4222",
      mongodbUrl: "mongodb://db:27017/masivo",
      dataDir: "/var/lib/masivo",
      roles: ["gateway", "customers"],
      allowLocalDestinations: true,
      brazeTrackLimit: 6_000,
      brazeRetryMaxSeconds: 6,
      brazePlanningThread: true,
      streamReplicas: 3,
    });
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ NATS_URL: "", PORT: "" })).toMatchObject({ natsUrl: undefined, port: 4000 });
  });

  it.each([
    ["PORT", "eighty", "PORT"],
    ["PORT", "70000", "PORT"],
    ["MASIVO_OPS_PORT", "-1", "MASIVO_OPS_PORT"],
    ["MASIVO_DRAIN_SECONDS", "0", "MASIVO_DRAIN_SECONDS"],
    ["NATS_URL", "http://localhost:4222", "NATS_URL"],
    ["MONGODB_URL", "localhost:27017", "MONGODB_URL"],
    ["MASIVO_ROLES", "gateway,mailer", "mailer"],
    ["MASIVO_ROOT_KEY", "short", "MASIVO_ROOT_KEY"],
    ["MASIVO_ALLOW_LOCAL_DESTINATIONS", "yes", "MASIVO_ALLOW_LOCAL_DESTINATIONS"],
    ["MASIVO_BRAZE_TRACK_LIMIT", "0", "MASIVO_BRAZE_TRACK_LIMIT"],
    ["MASIVO_BRAZE_RETRY_MAX_SECONDS", "0", "MASIVO_BRAZE_RETRY_MAX_SECONDS"],
    ["MASIVO_BRAZE_PLANNING_THREAD", "maybe", "MASIVO_BRAZE_PLANNING_THREAD"],
    ["MASIVO_STREAM_REPLICAS", "0", "MASIVO_STREAM_REPLICAS"],
    ["MASIVO_STREAM_REPLICAS", "6", "MASIVO_STREAM_REPLICAS"],
  ])("refuses %s=%s with a message naming it", (variable, value, named) => {
    let error: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual([variable]);
    expect((error as ConfigError).message).toContain(named);
  });
});
