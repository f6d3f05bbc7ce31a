/**
 * The thread where a Braze integration's windows are decoded and planned (see brazePlanner.ts):
 * reading facts and packing calls cost more CPU than sending them, and on the event loop they
 * would hold back the calls in flight.
 */
import { parentPort, workerData } from "node:worker_threads";
import { messageOf } from "../../../../model/index.ts";
import type { BrazeSettings } from "../../../../store/index.ts";
import { type PlannerRequest, unpackWindow } from "./brazePlanner.ts";
import { createWindowPlans, type PlannerQuestion } from "./plannedWindows.ts";

const plans = createWindowPlans(workerData as BrazeSettings);

parentPort?.on("message", (request: PlannerRequest) => {
  try {
    const question: PlannerQuestion =
      request.kind === "read"
        ? { kind: "read", fromSeq: request.fromSeq, messages: unpackWindow(request.packed) }
        : request;
    parentPort?.postMessage({ ...plans.answer(question), id: request.id });
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: messageOf(error) });
  }
});
