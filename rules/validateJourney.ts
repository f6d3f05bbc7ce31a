import { type JourneyDefinition, JourneyDefinitionSchema, type JourneyStep } from "./journeyDefinition.ts";
import { formatPath } from "./validateRule.ts";

/** What is wrong where: `path` as validateRule writes it (`steps.remind.next`, `entry.filter.all[0].property`). */
export type JourneyProblem = { path: string; message: string };
export type ParseJourneyResult =
  | { ok: true; definition: JourneyDefinition }
  | { ok: false; problems: JourneyProblem[] };

type Link = { from: readonly (string | number)[]; to: string };

/** The steps a step may go to, each with the path of the field that names it. */
function linksOf(step: JourneyStep): Link[] {
  switch (step.type) {
    case "send":
      return step.next === undefined ? [] : [{ from: ["next"], to: step.next }];
    case "delay":
      return [{ from: ["next"], to: step.next }];
    case "waitFor":
      return [
        { from: ["next"], to: step.next },
        { from: ["timeoutNext"], to: step.timeoutNext },
      ];
    case "branch":
      return [
        ...step.cases.map((c, i) => ({ from: ["cases", i, "next"], to: c.next })),
        { from: ["else"], to: step.else },
      ];
    case "exit":
      return [];
  }
}

const waits = (step: JourneyStep): boolean => step.type === "delay" || step.type === "waitFor";
const noStep = (id: string) => `must name a step (there is no step "${id}")`;

function missingSteps(definition: JourneyDefinition): JourneyProblem[] {
  const { steps } = definition;
  const problems: JourneyProblem[] = [];
  if (!Object.hasOwn(steps, definition.start)) problems.push({ path: "start", message: noStep(definition.start) });
  for (const [id, step] of Object.entries(steps)) {
    for (const link of linksOf(step)) {
      if (!Object.hasOwn(steps, link.to)) {
        problems.push({ path: formatPath(["steps", id, ...link.from]), message: noStep(link.to) });
      }
    }
  }
  return problems;
}

/** The ids of the existing steps that step `id` goes to. */
function successors(steps: Record<string, JourneyStep>, id: string): string[] {
  const step = steps[id];
  return step === undefined ? [] : linksOf(step).flatMap((l) => (Object.hasOwn(steps, l.to) ? [l.to] : []));
}

function unreachableSteps(definition: JourneyDefinition): JourneyProblem[] {
  const { steps } = definition;
  if (!Object.hasOwn(steps, definition.start)) return [];
  const reached = new Set([definition.start]);
  const pending = [definition.start];
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    for (const next of successors(steps, id)) {
      if (reached.has(next)) continue;
      reached.add(next);
      pending.push(next);
    }
  }
  return Object.keys(steps)
    .filter((id) => !reached.has(id))
    .map((id) => ({ path: formatPath(["steps", id]), message: "is not reachable from start" }));
}

/**
 * Loops that pass through no `delay` or `waitFor`: an instance in one would step forever at once.
 * A depth-first walk over the steps that do not wait; an edge back to a step still on the walk's
 * path closes such a loop.
 */
function loopsWithoutWait(definition: JourneyDefinition): JourneyProblem[] {
  const { steps } = definition;
  const problems: JourneyProblem[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (id: string): void => {
    path.push(id);
    for (const next of successors(steps, id)) {
      const step = steps[next];
      if (step === undefined || waits(step) || done.has(next)) continue;
      const back = path.indexOf(next);
      if (back === -1) visit(next);
      else {
        const loop = [...path.slice(back), next].join(" → ");
        problems.push({ path: formatPath(["steps", next]), message: `is in a loop with no delay or waitFor: ${loop}` });
      }
    }
    path.pop();
    done.add(id);
  };
  for (const [id, step] of Object.entries(steps)) if (!waits(step) && !done.has(id)) visit(id);
  return problems;
}

/**
 * Checks a journey definition (docs/journeys.md): its shape and bounds, then that `start` and
 * every link name a step, that every step is reachable from `start`, and that no loop runs without
 * a `delay` or `waitFor`. Every problem names its path and what is wrong, as validateRule does.
 */
export function parseJourneyDefinition(json: unknown): ParseJourneyResult {
  const result = JourneyDefinitionSchema.safeParse(json);
  if (!result.success) {
    const problems = new Map<string, JourneyProblem>();
    for (const issue of result.error.issues) {
      const path = formatPath(issue.path, "definition");
      problems.set(`${path} ${issue.message}`, { path, message: issue.message });
    }
    return { ok: false, problems: [...problems.values()] };
  }
  const definition = result.data;
  const problems = [...missingSteps(definition), ...unreachableSteps(definition), ...loopsWithoutWait(definition)];
  return problems.length === 0 ? { ok: true, definition } : { ok: false, problems };
}

/** The templates a definition's `send` steps use, sorted, without repeats. */
export function journeyTemplateIds(definition: JourneyDefinition): string[] {
  const ids = Object.values(definition.steps).flatMap((step) => (step.type === "send" ? [step.templateId] : []));
  return [...new Set(ids)].sort();
}

/** The audiences a definition names (its entry and its audience exits), sorted, without repeats. */
export function journeyAudienceIds(definition: JourneyDefinition): string[] {
  const entry = definition.entry.type === "audience" ? [definition.entry.audienceId] : [];
  return [...new Set([...entry, ...(definition.exit?.audienceExit ?? [])])].sort();
}
