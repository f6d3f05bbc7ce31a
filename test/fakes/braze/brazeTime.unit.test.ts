import { describe, expect, it } from "vitest";
import { parseBrazeTime } from "../../../fakes/braze/brazeTime.ts";

describe("parseBrazeTime", () => {
  it.each(["2026-12-04T02:00:00.000Z", "2024-02-29T23:59:59.999Z", "1999-01-01T00:00:00.001Z"])(
    "reads %s as Date.parse does",
    (time) => {
      expect(parseBrazeTime(time)).toBe(Date.parse(time));
    },
  );

  it.each([
    ["with an offset", "2026-12-04T03:00:00.000+01:00", Date.parse("2026-12-04T02:00:00.000Z")],
    ["with Braze's colon before the milliseconds", "2026-12-04T02:00:00:250Z", Date.parse("2026-12-04T02:00:00.250Z")],
    ["without a zone, as UTC", "2026-12-04T02:00:00", Date.parse("2026-12-04T02:00:00Z")],
    ["a date alone", "2026-12-04", Date.parse("2026-12-04T00:00:00Z")],
    ["with spaces around", " 2026-12-04T02:00:00.000Z ", Date.parse("2026-12-04T02:00:00.000Z")],
  ])("reads a time %s", (_, time, expected) => {
    expect(parseBrazeTime(time)).toBe(expected);
  });

  it.each([
    "2026-13-04T02:00:00.000Z",
    "2026-02-29T02:00:00.000Z",
    "2026-12-04T24:00:00.000Z",
    "2026-12-04T02:60:00.000Z",
    "2026-12-04T02:00:60.000Z",
    "2026-12-0xT02:00:00.000Z",
    "abcd-12-04T02:00:00.000Z",
    "2026-12-04X02:00:00.000Z",
    "yesterday",
  ])("refuses %s", (time) => {
    expect(parseBrazeTime(time)).toBeUndefined();
  });

  it("refuses what is no string", () => {
    expect(parseBrazeTime(1_767_225_600)).toBeUndefined();
    expect(parseBrazeTime(undefined)).toBeUndefined();
  });
});
