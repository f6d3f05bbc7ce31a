import { describe, expect, it } from "vitest";
import { applyCommand } from "../../../actors/customer/applyCommand.ts";
import { DAILY_RETENTION_DAYS, RECENT_TIMESTAMPS, recordOccurrence } from "../../../actors/customer/stats.ts";
import type { EventStat, IngestCommand, PersistedCustomer } from "../../../model/index.ts";

const DAY = 86_400_000;
const T0 = Date.parse("2026-06-15T10:00:00.000Z");
/** `days` (fractions allowed) after T0. */
const day = (days: number) => new Date(T0 + days * DAY).toISOString();

let sequence = 0;
function track(name: string, timestamp?: string): IngestCommand {
  return {
    type: "event.track",
    data: { name, timestamp, properties: {} },
    metadata: { account: "acme", customerId: "c1", commandId: `s-${++sequence}`, acceptedAt: day(0) },
  };
}

function statOf(snapshot: PersistedCustomer | undefined, name: string): EventStat | undefined {
  return snapshot?.status === "active" ? snapshot.stats.find((stat) => stat.name === name) : undefined;
}

describe("event stats", () => {
  it("counts events arriving out of timestamp order: firstAt is the earliest, lastAt the latest", () => {
    let snapshot: PersistedCustomer | undefined;
    for (const timestamp of [day(-1), day(-3), day(-0.5), day(-3)]) {
      snapshot = applyCommand(snapshot, track("page.viewed", timestamp), new Date(day(0))).snapshot;
    }
    expect(statOf(snapshot, "page.viewed")).toStrictEqual({
      name: "page.viewed",
      count: 4,
      firstAt: day(-3),
      lastAt: day(-0.5),
      daily: { "2026-06-12": 2, "2026-06-14": 2 },
      recent: [day(-0.5), day(-1), day(-3), day(-3)],
    });
  });

  it("keeps names with dots and dollars as array entries, sorted by name", () => {
    let snapshot: PersistedCustomer | undefined;
    for (const name of ["$purchase", "cart.item.added", "Z"]) {
      snapshot = applyCommand(snapshot, track(name, day(0)), new Date(day(0))).snapshot;
    }
    expect(snapshot?.status === "active" && snapshot.stats.map((stat) => stat.name)).toEqual([
      "$purchase",
      "REGISTRATION",
      "Z",
      "cart.item.added",
    ]);
  });

  it(`prunes daily counts older than ${DAILY_RETENTION_DAYS} days relative to now, keeping the totals`, () => {
    const first = recordOccurrence([], "login", day(0), day(0));
    const kept = recordOccurrence(first, "login", day(400), day(400));
    expect(kept[0]?.daily).toStrictEqual({ "2026-06-15": 1, "2027-07-20": 1 });

    const pruned = recordOccurrence(kept, "login", day(401), day(401));
    expect(pruned[0]).toStrictEqual({
      name: "login",
      count: 3,
      firstAt: day(0),
      lastAt: day(401),
      daily: { "2027-07-20": 1, "2027-07-21": 1 },
      recent: [day(401), day(400), day(0)],
    });

    // An event older than the retention window counts, but in no day.
    const late = recordOccurrence(pruned, "login", day(-5), day(401));
    expect(late[0]).toMatchObject({ count: 4, firstAt: day(-5), daily: { "2027-07-20": 1, "2027-07-21": 1 } });
  });

  it(`keeps the ${RECENT_TIMESTAMPS} most recent timestamps, newest first`, () => {
    let stats: EventStat[] = [];
    // 150 hourly events in a scrambled order (7 and 150 are coprime, so every hour comes once).
    for (let i = 0; i < 150; i += 1) stats = recordOccurrence(stats, "tap", day(-((i * 7) % 150) / 24), day(0));
    const [tap] = stats;
    expect(tap?.count).toBe(150);
    expect(tap?.recent).toHaveLength(RECENT_TIMESTAMPS);
    const expected = Array.from({ length: RECENT_TIMESTAMPS }, (_, hour) => day(-hour / 24));
    expect(tap?.recent).toEqual(expected);
    // "at least 100 times within D days" reads recent[99].
    expect(tap?.recent[99]).toBe(day(-99 / 24));

    const older = recordOccurrence(stats, "tap", day(-30), day(0));
    expect(older[0]?.recent).toEqual(expected);
    expect(older[0]?.count).toBe(151);
  });

  it("uses the acceptance time when the event has no timestamp", () => {
    const result = applyCommand(undefined, track("opened"), new Date(day(1)));
    expect(statOf(result.snapshot, "opened")).toMatchObject({ firstAt: day(0), lastAt: day(0) });
    expect(statOf(result.snapshot, "REGISTRATION")).toMatchObject({ firstAt: day(1) });
  });
});
