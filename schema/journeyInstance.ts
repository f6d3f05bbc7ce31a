import { JOURNEY_INSTANCE_STATUSES, type JourneyInstance } from "../model/index.ts";
import { builder } from "./builder.ts";

const JourneyInstanceStatusRef = builder.enumType("JourneyInstanceStatus", {
  description: "ACTIVE: in the journey; COMPLETED: it reached an end; EXITED: it was made to leave (exitReason)",
  values: JOURNEY_INSTANCE_STATUSES,
});

/** One of a customer's journeys, as the customer actor holds it. */
export const JourneyInstanceRef = builder.objectRef<JourneyInstance>("JourneyInstance").implement({
  description:
    "A customer's instance of a journey: pinned to the version it entered, at a step, perhaps waiting until a time",
  fields: (t) => ({
    journeyId: t.exposeID("journeyId"),
    version: t.exposeInt("version"),
    occurrence: t.exposeString("occurrence", {
      description: "Which entry it is: `key:<value>` of a keyed entry, the entry event's id, or `audience:<time>`",
    }),
    stepId: t.exposeString("stepId", { description: "The step it is at, or the last it was at once ended" }),
    status: t.expose("status", { type: JourneyInstanceStatusRef }),
    enteredAt: t.expose("enteredAt", { type: "DateTime" }),
    waitingUntil: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the current delay or wait ends; null when it waits for no time",
      resolve: (instance) => instance.waitingUntil ?? null,
    }),
    endedAt: t.field({ type: "DateTime", nullable: true, resolve: (instance) => instance.endedAt ?? null }),
    exitReason: t.string({ nullable: true, resolve: (instance) => instance.exitReason ?? null }),
  }),
});
