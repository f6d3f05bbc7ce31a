/**
 * bench:journeys' reckoning of durable timers from the journey facts on CHANGES: each instance's
 * deadline (its ENTERED fact's `at` + its journey's `timeoutSeconds`, as the waitFor step sets
 * `waitingUntil`), the moment the customer actor moved it to the timeout step (that STEPPED
 * fact's `at`), and the instances entered or timed out more than once.
 */
import type { JourneyChangedData } from "../model/index.ts";

type InstanceTimer = { entered: number; deadline: number; timeouts: number; movedAt: number };

export type TimerFigures = {
  /** Instances entered, each one timer. */
  timers: number;
  /** Milliseconds from deadline to move, of each instance moved, ascending. */
  lateness: Float64Array;
  /** Entered instances never moved to the timeout step. */
  missed: number;
  /** Instances entered more than once, or moved to the timeout step more than once. */
  duplicated: number;
  /** Instances moved to the timeout step that were never seen entering: no deadline to measure against. */
  unentered: number;
  /** The earliest and latest deadline (epoch ms); NaN without timers. */
  firstDeadline: number;
  lastDeadline: number;
};

export type TimerTally = {
  /** Counts one `journey.changed` fact of `customerId`. */
  add: (customerId: string, data: JourneyChangedData) => void;
  figures: () => TimerFigures;
};

/**
 * A tally of the timers of journeys whose waitFor times out into `timeoutStep`;
 * `timeoutSeconds(journeyId)` is that wait's timeout (undefined: not a journey of the run, ignored).
 */
export function createTimerTally(
  timeoutStep: string,
  timeoutSeconds: (journeyId: string) => number | undefined,
): TimerTally {
  // One entry per instance of the run: a customer is in each journey once (re-entry `never`).
  const instances = new Map<string, InstanceTimer>();
  const instanceOf = (key: string) => {
    let timer = instances.get(key);
    if (timer === undefined) {
      timer = { entered: 0, deadline: Number.NaN, timeouts: 0, movedAt: Number.NaN };
      instances.set(key, timer);
    }
    return timer;
  };
  return {
    add(customerId, data) {
      const timeout = timeoutSeconds(data.journeyId);
      if (timeout === undefined) return;
      const timer = instanceOf(`${customerId}\u0000${data.journeyId}\u0000${data.occurrence}`);
      if (data.change === "ENTERED") {
        timer.entered += 1;
        if (timer.entered === 1) timer.deadline = Date.parse(data.at) + timeout * 1_000;
      } else if (data.change === "STEPPED" && data.stepId === timeoutStep) {
        timer.timeouts += 1;
        if (timer.timeouts === 1) timer.movedAt = Date.parse(data.at);
      }
    },
    figures() {
      const lateness: number[] = [];
      let timers = 0;
      let missed = 0;
      let duplicated = 0;
      let unentered = 0;
      let firstDeadline = Number.POSITIVE_INFINITY;
      let lastDeadline = Number.NEGATIVE_INFINITY;
      for (const timer of instances.values()) {
        if (timer.entered > 1 || timer.timeouts > 1) duplicated += 1;
        if (timer.entered === 0) {
          unentered += 1;
          continue;
        }
        timers += 1;
        const { deadline } = timer;
        firstDeadline = Math.min(firstDeadline, deadline);
        lastDeadline = Math.max(lastDeadline, deadline);
        if (timer.timeouts === 0) missed += 1;
        else lateness.push(timer.movedAt - deadline);
      }
      return {
        timers,
        lateness: Float64Array.from(lateness).sort(),
        missed,
        duplicated,
        unentered,
        firstDeadline: timers > 0 ? firstDeadline : Number.NaN,
        lastDeadline: timers > 0 ? lastDeadline : Number.NaN,
      };
    },
  };
}
