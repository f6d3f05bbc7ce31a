import type { JourneyChangedData } from "../../model/index.ts";
import type { JourneyCountsDelta } from "../../store/index.ts";

/** What `steps.<stepId>.type` is in the version a change happened in. */
export type StepTypeOf = (change: JourneyChangedData, stepId: string) => string;

/**
 * How a journey's changes move its counters: an instance is active from ENTERED until EXITED or
 * COMPLETED, and at one step at a time; a step is completed when the instance goes on from it
 * (STEPPED) or finishes there (COMPLETED), never when it exits there.
 */
export function countJourneyChanges(
  changes: readonly JourneyChangedData[],
  stepTypeOf: StepTypeOf,
): JourneyCountsDelta {
  const delta: JourneyCountsDelta = { entered: 0, active: 0, exited: 0, steps: {} };
  const step = (change: JourneyChangedData, stepId: string) => {
    const counts = delta.steps[stepId] ?? { type: stepTypeOf(change, stepId), active: 0, entered: 0, completed: 0 };
    delta.steps[stepId] = counts;
    return counts;
  };
  for (const change of changes) {
    const at = step(change, change.stepId);
    switch (change.change) {
      case "ENTERED":
        delta.entered += 1;
        delta.active += 1;
        at.entered += 1;
        at.active += 1;
        break;
      case "STEPPED": {
        if (change.previousStepId !== undefined) {
          const left = step(change, change.previousStepId);
          left.active -= 1;
          left.completed += 1;
        }
        at.entered += 1;
        at.active += 1;
        break;
      }
      case "EXITED":
        at.active -= 1;
        delta.active -= 1;
        delta.exited += 1;
        break;
      case "COMPLETED":
        at.active -= 1;
        at.completed += 1;
        delta.active -= 1;
        break;
    }
  }
  return delta;
}
