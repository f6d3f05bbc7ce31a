import { describe, expect, it } from "vitest";
import { countJourneyChanges } from "../../../actors/journey/journeyCounts.ts";
import type { JourneyChangedData } from "../../../model/index.ts";

const TYPES: Record<string, string> = { wait: "waitFor", remind: "send", done: "exit" };
const typeOf = (_change: JourneyChangedData, stepId: string) => TYPES[stepId] ?? "unknown";

const change = (kind: JourneyChangedData["change"], stepId: string, previousStepId?: string): JourneyChangedData => ({
  journeyId: "jrn_1",
  version: 1,
  occurrence: "cart-1",
  change: kind,
  stepId,
  ...(previousStepId ? { previousStepId } : {}),
  at: "2026-03-04T10:00:00Z",
});

describe("countJourneyChanges", () => {
  it("given an entry, counts the journey and its first step entered and active", () => {
    expect(countJourneyChanges([change("ENTERED", "wait")], typeOf)).toEqual({
      entered: 1,
      active: 1,
      exited: 0,
      steps: { wait: { type: "waitFor", entered: 1, active: 1, completed: 0 } },
    });
  });

  it("given a step, completes the step left and enters the step reached", () => {
    expect(countJourneyChanges([change("STEPPED", "remind", "wait")], typeOf)).toEqual({
      entered: 0,
      active: 0,
      exited: 0,
      steps: {
        remind: { type: "send", entered: 1, active: 1, completed: 0 },
        wait: { type: "waitFor", entered: 0, active: -1, completed: 1 },
      },
    });
  });

  it("given an exit, the instance leaves its step uncompleted and counts as exited", () => {
    expect(countJourneyChanges([change("EXITED", "wait")], typeOf)).toEqual({
      entered: 0,
      active: -1,
      exited: 1,
      steps: { wait: { type: "waitFor", entered: 0, active: -1, completed: 0 } },
    });
  });

  it("given a completion, the step is completed and the instance no longer active, not exited", () => {
    expect(countJourneyChanges([change("COMPLETED", "done")], typeOf)).toEqual({
      entered: 0,
      active: -1,
      exited: 0,
      steps: { done: { type: "exit", entered: 0, active: -1, completed: 1 } },
    });
  });

  it("given a whole run of two instances, leaves nothing active", () => {
    const delta = countJourneyChanges(
      [
        change("ENTERED", "wait"),
        change("ENTERED", "wait"),
        change("STEPPED", "remind", "wait"),
        change("STEPPED", "done", "remind"),
        change("COMPLETED", "done"),
        change("EXITED", "wait"),
      ],
      typeOf,
    );
    expect(delta).toEqual({
      entered: 2,
      active: 0,
      exited: 1,
      steps: {
        wait: { type: "waitFor", entered: 2, active: 0, completed: 1 },
        remind: { type: "send", entered: 1, active: 0, completed: 1 },
        done: { type: "exit", entered: 1, active: 0, completed: 1 },
      },
    });
  });
});
