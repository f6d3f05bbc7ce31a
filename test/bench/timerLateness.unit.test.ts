import { describe, expect, it } from "vitest";
import { createTimerTally } from "../../bench/timerLateness.ts";
import type { JourneyChangedData } from "../../model/index.ts";

const fact = (
  change: JourneyChangedData["change"],
  stepId: string,
  at: string,
  journeyId = "j1",
): JourneyChangedData => ({
  journeyId,
  version: 1,
  occurrence: "o1",
  change,
  stepId,
  at,
});
const timeouts = new Map([
  ["j1", 10],
  ["j2", 20],
]);
const tally = () => createTimerTally("timedOut", (journeyId) => timeouts.get(journeyId));

describe("the timer tally of bench:journeys", () => {
  it("measures lateness from the ENTERED fact's time plus the journey's timeout to the move to the timeout step", () => {
    const timers = tally();
    timers.add("c1", fact("ENTERED", "wait", "2026-12-03T10:00:00.000Z"));
    timers.add("c2", fact("ENTERED", "wait", "2026-12-03T10:00:01.000Z", "j2"));
    timers.add("c1", fact("STEPPED", "timedOut", "2026-12-03T10:00:10.250Z"));
    timers.add("c1", fact("COMPLETED", "timedOut", "2026-12-03T10:00:10.250Z"));
    timers.add("c2", fact("STEPPED", "timedOut", "2026-12-03T10:00:21.040Z", "j2"));

    const figures = timers.figures();
    expect(figures).toMatchObject({ timers: 2, missed: 0, duplicated: 0, unentered: 0 });
    expect([...figures.lateness]).toEqual([40, 250]);
    expect(figures.lastDeadline - figures.firstDeadline).toBe(11_000);
  });

  it("counts an instance never moved to the timeout step as missed", () => {
    const timers = tally();
    timers.add("c1", fact("ENTERED", "wait", "2026-12-03T10:00:00.000Z"));
    timers.add("c1", fact("STEPPED", "answered", "2026-12-03T10:00:03.000Z"));

    expect(timers.figures()).toMatchObject({ timers: 1, missed: 1, duplicated: 0 });
  });

  it("counts an instance entered twice or timed out twice once as duplicated, measuring its first move", () => {
    const timers = tally();
    timers.add("c1", fact("ENTERED", "wait", "2026-12-03T10:00:00.000Z"));
    timers.add("c1", fact("ENTERED", "wait", "2026-12-03T10:00:02.000Z"));
    timers.add("c2", fact("ENTERED", "wait", "2026-12-03T10:00:00.000Z"));
    timers.add("c2", fact("STEPPED", "timedOut", "2026-12-03T10:00:10.100Z"));
    timers.add("c2", fact("STEPPED", "timedOut", "2026-12-03T10:00:12.000Z"));

    const figures = timers.figures();
    expect(figures).toMatchObject({ timers: 2, missed: 1, duplicated: 2 });
    expect([...figures.lateness]).toEqual([100]);
  });

  it("tells a timeout without an entry apart, and ignores journeys not of the run", () => {
    const timers = tally();
    timers.add("c1", fact("STEPPED", "timedOut", "2026-12-03T10:00:10.000Z"));
    timers.add("c2", fact("ENTERED", "wait", "2026-12-03T10:00:00.000Z", "other"));

    const figures = timers.figures();
    expect(figures).toMatchObject({ timers: 0, missed: 0, duplicated: 0, unentered: 1 });
    expect(figures.firstDeadline).toBeNaN();
  });
});
