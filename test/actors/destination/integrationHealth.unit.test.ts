import { describe, expect, it } from "vitest";
import {
  decideHealth,
  type HealthEvent,
  type HealthState,
  initialHealth,
  type StatusChange,
} from "../../../actors/destination/integrationHealth.ts";
import type { IntegrationStatus } from "../../../store/index.ts";

/** Given a stored status and what already happened, when `event` happens: the status, and what is stored. */
function given(status: IntegrationStatus, ...past: HealthEvent[]) {
  const start = past.reduce((state: HealthState, event) => decideHealth(state, event).state, initialHealth(status));
  return {
    when(event: HealthEvent): { status: IntegrationStatus; stores: StatusChange | undefined } {
      const { state, change } = decideHealth(start, event);
      return { status: state.status, stores: change };
    },
  };
}

// Call names as the sync gives them: window (its first sequence), index, part.
const windowOneCall = "1:0:";
const windowTwoCall = "11:0:";

describe("an integration's status, decided from every window in flight", () => {
  it("turns DEGRADED when a call must be retried, keeping the reason", () => {
    expect(given("HEALTHY").when({ type: "retried", call: windowOneCall, reason: "503" })).toEqual({
      status: "DEGRADED",
      stores: { status: "DEGRADED", lastError: "retrying: 503" },
    });
  });

  it("stays DEGRADED when another window's call is answered while one still retries", () => {
    expect(
      given("HEALTHY", { type: "retried", call: windowOneCall, reason: "503" }).when({
        type: "answered",
        call: windowTwoCall,
      }),
    ).toEqual({ status: "DEGRADED", stores: undefined });
  });

  it("turns HEALTHY once the last retrying call is answered", () => {
    expect(
      given(
        "HEALTHY",
        { type: "retried", call: windowOneCall, reason: "503" },
        { type: "retried", call: windowTwoCall, reason: "503" },
        { type: "answered", call: windowTwoCall },
      ).when({ type: "answered", call: windowOneCall }),
    ).toEqual({ status: "HEALTHY", stores: { status: "HEALTHY" } });
  });

  it("stores nothing again for a retry with the same reason, and the new reason when it changes", () => {
    const past: HealthEvent = { type: "retried", call: windowOneCall, reason: "503" };
    expect(given("HEALTHY", past).when({ type: "retried", call: windowTwoCall, reason: "503" })).toEqual({
      status: "DEGRADED",
      stores: undefined,
    });
    expect(given("HEALTHY", past).when({ type: "retried", call: windowOneCall, reason: "429" })).toEqual({
      status: "DEGRADED",
      stores: { status: "DEGRADED", lastError: "retrying: 429" },
    });
  });

  it("stays DEGRADED when the last retrying call is abandoned without an answer", () => {
    expect(
      given("HEALTHY", { type: "retried", call: windowOneCall, reason: "503" }).when({
        type: "abandoned",
        call: windowOneCall,
      }),
    ).toEqual({ status: "DEGRADED", stores: undefined });
  });

  it("turns a sync started DEGRADED HEALTHY at its first answer", () => {
    expect(given("DEGRADED").when({ type: "answered", call: windowOneCall })).toEqual({
      status: "HEALTHY",
      stores: { status: "HEALTHY" },
    });
  });

  it("holds FAILING after a refused configuration, whatever the calls still in flight do", () => {
    const refused: HealthEvent = { type: "refused", reason: "Echo: 401" };
    expect(given("DEGRADED", { type: "retried", call: windowOneCall, reason: "503" }).when(refused)).toEqual({
      status: "FAILING",
      stores: { status: "FAILING", lastError: "Echo: 401" },
    });
    expect(given("HEALTHY", refused).when({ type: "retried", call: windowTwoCall, reason: "503" })).toEqual({
      status: "FAILING",
      stores: undefined,
    });
    expect(
      given("HEALTHY", { type: "retried", call: windowOneCall, reason: "503" }, refused).when({
        type: "answered",
        call: windowOneCall,
      }),
    ).toEqual({ status: "FAILING", stores: undefined });
  });

  it("turns DISABLED, and holds it, when the provider asked to be sent nothing more", () => {
    const gone: HealthEvent = { type: "refused", reason: "Webhook: 410 Gone", status: "DISABLED" };
    expect(given("DEGRADED", { type: "retried", call: windowOneCall, reason: "503" }).when(gone)).toEqual({
      status: "DISABLED",
      stores: { status: "DISABLED", lastError: "Webhook: 410 Gone" },
    });
    expect(given("HEALTHY", gone).when({ type: "answered", call: windowTwoCall })).toEqual({
      status: "DISABLED",
      stores: undefined,
    });
  });
});

describe("an integration's status after a gap in CHANGES", () => {
  const gap = { type: "gapFound", reason: "CHANGES no longer holds facts 11–24" } as const;

  it("turns DEGRADED with the gap named, and stays so while its resync asks the customers", () => {
    expect(given("HEALTHY").when(gap)).toEqual({
      status: "DEGRADED",
      stores: { status: "DEGRADED", lastError: "CHANGES no longer holds facts 11–24" },
    });
    expect(given("HEALTHY", gap).when({ type: "answered", call: windowOneCall })).toEqual({
      status: "DEGRADED",
      stores: undefined,
    });
  });

  it("turns HEALTHY on the first answer once every customer was asked", () => {
    expect(given("HEALTHY", gap, { type: "resyncAsked" }).when({ type: "answered", call: windowOneCall })).toEqual({
      status: "HEALTHY",
      stores: { status: "HEALTHY" },
    });
  });

  it("leaves FAILING as it is", () => {
    expect(given("FAILING").when(gap)).toEqual({ status: "FAILING", stores: undefined });
  });
});
