import { describe, expect, it } from "vitest";
import { journeyAudienceIds, journeyTemplateIds, parseJourneyDefinition } from "../../rules/index.ts";
import { abandonedCart as cartJourney } from "../support/abandonedCart.ts";

const abandonedCart = cartJourney("tpl_cart");

/** A journey entered on an audience: `start` goes through `steps`, which `send` ends. */
const onAudience = (steps: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  entry: { type: "audience", audienceId: "aud_vip" },
  start: "first",
  steps: { ...steps },
  ...extra,
});
/** One `delay` step called `first` with `fields`, then a send. */
const delay = (fields: Record<string, unknown>) =>
  onAudience({ first: { type: "delay", next: "send", ...fields }, send: { type: "send", templateId: "tpl" } });

function problemsOf(json: unknown) {
  const result = parseJourneyDefinition(json);
  return result.ok ? [] : result.problems;
}
const accepted = (json: unknown) => parseJourneyDefinition(json).ok;

const SECONDS = "must be an integer from 1 to 31536000 (365 days)";
const STEP_ID = "must be a step id: 1 to 64 letters, digits, _ or -";

describe("journey definitions: valid", () => {
  it("accept the abandoned-cart journey as given, with its template", () => {
    const result = parseJourneyDefinition(abandonedCart);
    expect(result).toEqual({ ok: true, definition: abandonedCart });
    if (result.ok) {
      expect(journeyTemplateIds(result.definition)).toEqual(["tpl_cart"]);
      expect(journeyAudienceIds(result.definition)).toEqual([]);
    }
  });

  it("accept an audience journey with every step type, filters on the event and exit criteria", () => {
    const json = onAudience(
      {
        first: { type: "send", templateId: "tpl_b", category: "MARKETING", next: "pause" },
        pause: { type: "delay", untilLocalTime: { hour: 9 }, next: "check" },
        check: {
          type: "branch",
          cases: [{ when: { all: [{ tag: "vip" }, { property: "total", op: "gt", value: 10 }] }, next: "again" }],
          else: "end",
        },
        again: { type: "send", templateId: "tpl_a", category: "TRANSACTIONAL", next: "first" },
        end: { type: "exit" },
      },
      {
        exit: {
          events: [{ event: "unsubscribed" }, { event: "FULFILL", match: { tag: "vip" } }],
          audienceExit: ["aud_vip", "aud_b"],
        },
        reentry: { mode: "afterExit", cooldownSeconds: 0 },
      },
    );
    const result = parseJourneyDefinition(json);
    expect(result).toEqual({ ok: true, definition: json });
    if (result.ok) {
      expect(journeyTemplateIds(result.definition)).toEqual(["tpl_a", "tpl_b"]);
      expect(journeyAudienceIds(result.definition)).toEqual(["aud_b", "aud_vip"]);
    }
  });

  it("accept the welcome example of docs/journeys.md", () => {
    const welcome = {
      entry: { type: "audience", audienceId: "aud_vip" },
      start: "morning",
      steps: {
        morning: { type: "delay", untilLocalTime: { hour: 9 }, next: "welcome" },
        welcome: { type: "send", templateId: "tpl_welcome", category: "MARKETING", next: "spender" },
        spender: {
          type: "branch",
          cases: [{ when: { attribute: "attributes.lifetimeValue", op: "gte", value: 1000 }, next: "day" }],
          else: "done",
        },
        day: { type: "delay", seconds: 86400, next: "thanks" },
        thanks: { type: "send", templateId: "tpl_thanks" },
        done: { type: "exit" },
      },
      exit: { events: [{ event: "FULFILL" }], audienceExit: ["aud_vip"] },
      reentry: { mode: "afterExit", cooldownSeconds: 604800 },
    };
    expect(parseJourneyDefinition(welcome)).toEqual({ ok: true, definition: welcome });
  });

  it("accept every delay form at its bounds", () => {
    for (const fields of [
      { seconds: 1 },
      { seconds: 31_536_000 },
      { untilLocalTime: { hour: 0, minute: 0 } },
      { untilLocalTime: { hour: 23, minute: 59 } },
      { untilDate: "2026-12-24T18:00:00-05:00" },
      { untilDate: "2026-12-24T23:00:00Z" },
      { untilDate: { ref: "attributes.birthday" } },
      { untilDate: { ref: "attributes.trial.endsAt" } },
    ]) {
      expect(problemsOf(delay(fields)), JSON.stringify(fields)).toEqual([]);
    }
    const keyed = {
      ...abandonedCart,
      steps: { ...abandonedCart.steps, wait: { type: "delay", untilDate: { ref: "entry.ends.at" }, next: "remind" } },
    };
    expect(
      problemsOf({ ...keyed, start: "wait", steps: { wait: keyed.steps.wait, remind: keyed.steps.remind } }),
    ).toEqual([]);
  });

  it("accept re-entry at its bounds, and none", () => {
    const withReentry = (reentry: unknown) => ({ ...abandonedCart, reentry });
    expect(accepted(withReentry({ mode: "concurrent", maxInstances: 1 }))).toBe(true);
    expect(accepted(withReentry({ mode: "concurrent", maxInstances: 100 }))).toBe(true);
    expect(accepted(withReentry({ mode: "afterExit", cooldownSeconds: 31_536_000 }))).toBe(true);
    expect(accepted(withReentry({ mode: "afterExit" }))).toBe(true);
    expect(accepted(withReentry({ mode: "never" }))).toBe(true);
    const { reentry: _, ...without } = abandonedCart;
    expect(accepted(without)).toBe(true);
  });

  it("accept 100 steps and 20 branch cases", () => {
    const chain = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [
        `s${i}`,
        i === 99 ? { type: "exit" } : { type: "send", templateId: "t", next: `s${i + 1}` },
      ]),
    );
    expect(problemsOf({ ...onAudience(chain), start: "s0" })).toEqual([]);
    const cases = Array.from({ length: 20 }, (_, i) => ({ when: { tag: `t${i}` }, next: "end" }));
    expect(problemsOf(onAudience({ first: { type: "branch", cases, else: "end" }, end: { type: "exit" } }))).toEqual(
      [],
    );
  });

  it("accept a loop that waits", () => {
    const json = onAudience({
      first: { type: "send", templateId: "t", next: "again" },
      again: { type: "waitFor", event: "open", timeoutSeconds: 60, next: "first", timeoutNext: "first" },
    });
    expect(problemsOf(json)).toEqual([]);
  });
});

describe("journey definitions: refused, naming the path and the reason", () => {
  it("a value that is not an object, or beyond 64 KiB", () => {
    expect(problemsOf([1])).toEqual([
      { path: "definition", message: "must be an object like { entry, start, steps }" },
    ]);
    const big = { ...abandonedCart, exit: { audienceExit: Array.from({ length: 7000 }, (_, i) => `audience-${i}`) } };
    const bytes = Buffer.byteLength(JSON.stringify(big));
    expect(bytes).toBeGreaterThan(64 * 1024);
    expect(problemsOf(big)).toEqual([
      { path: "definition", message: `must be at most 64 KiB encoded as JSON (it is ${bytes} bytes)` },
    ]);
  });

  it("unknown keys, at the top, in the entry, a step, a case, a delay time and re-entry", () => {
    expect(problemsOf({ ...abandonedCart, version: 2 })).toEqual([
      { path: "definition", message: "has unknown key(s): version" },
    ]);
    expect(problemsOf({ ...abandonedCart, entry: { ...abandonedCart.entry, segment: "x" } })).toEqual([
      { path: "entry", message: "has unknown key(s): segment" },
    ]);
    expect(
      problemsOf({ ...abandonedCart, steps: { ...abandonedCart.steps, done: { type: "exit", reason: "x" } } }),
    ).toEqual([{ path: "steps.done", message: "has unknown key(s): reason" }]);
    expect(
      problemsOf(
        onAudience({
          first: { type: "branch", cases: [{ when: { tag: "a" }, next: "first", rank: 1 }], else: "first" },
        }),
      ),
    ).toContainEqual({ path: "steps.first.cases[0]", message: "has unknown key(s): rank" });
    expect(problemsOf(delay({ untilLocalTime: { hour: 9, second: 0 } }))).toEqual([
      { path: "steps.first.untilLocalTime", message: "has unknown key(s): second" },
    ]);
    expect(problemsOf({ ...abandonedCart, reentry: { mode: "never", cooldownSeconds: 5 } })).toEqual([
      { path: "reentry", message: "has unknown key(s): cooldownSeconds" },
    ]);
  });

  it("an unknown entry type, step type or re-entry mode", () => {
    expect(problemsOf({ ...abandonedCart, entry: { type: "segment" } })).toEqual([
      { path: "entry.type", message: "must be one of event, audience" },
    ]);
    expect(problemsOf({ ...abandonedCart, steps: { ...abandonedCart.steps, done: { type: "jump" } } })).toEqual([
      { path: "steps.done.type", message: "must be one of send, delay, waitFor, branch, exit" },
    ]);
    expect(problemsOf({ ...abandonedCart, steps: { ...abandonedCart.steps, done: "exit" } })).toEqual([
      { path: "steps.done", message: "must be an object with a type" },
    ]);
    expect(problemsOf({ ...abandonedCart, reentry: { mode: "always" } })).toEqual([
      { path: "reentry.mode", message: "must be one of never, afterExit, concurrent" },
    ]);
  });

  it("a bad entry: event name, key path, filter path, filter beyond the rule bounds, audience id", () => {
    const entry = (fields: Record<string, unknown>) => ({
      ...abandonedCart,
      entry: { ...abandonedCart.entry, ...fields },
    });
    expect(problemsOf(entry({ event: "" }))).toEqual([
      { path: "entry.event", message: "must be a non-empty event name" },
    ]);
    expect(problemsOf(entry({ key: "$.cartId" }))).toEqual([
      { path: "entry.key", message: "must be a property path <key>[.<key>…] (keys may not contain $ or be empty)" },
    ]);
    expect(problemsOf(entry({ filter: { all: [{ property: "a..b", op: "eq", value: 1 }] } }))).toEqual([
      { path: "entry.filter.all[0].property", message: "must be <key>[.<key>…] (keys may not contain $ or be empty)" },
    ]);
    const wide = { any: Array.from({ length: 101 }, (_, i) => ({ tag: `t${i}` })) };
    expect(problemsOf(entry({ filter: wide }))).toEqual([
      { path: "entry.filter", message: "must hold at most 100 conditions" },
    ]);
    expect(
      problemsOf({ ...abandonedCart, reentry: undefined, entry: { type: "audience", audienceId: "" } }),
    ).toContainEqual({
      path: "entry.audienceId",
      message: "must be a non-empty audience id",
    });
  });

  it("step ids and links that are not step ids, and more than 100 steps", () => {
    expect(problemsOf({ ...abandonedCart, steps: { ...abandonedCart.steps, "a b": { type: "exit" } } })).toContainEqual(
      {
        path: "steps.a b",
        message: STEP_ID,
      },
    );
    expect(
      problemsOf({ ...abandonedCart, steps: { ...abandonedCart.steps, ["x".repeat(65)]: { type: "exit" } } }),
    ).toContainEqual({
      path: `steps.${"x".repeat(65)}`,
      message: STEP_ID,
    });
    expect(problemsOf({ ...abandonedCart, start: "" })).toEqual([{ path: "start", message: STEP_ID }]);
    expect(problemsOf(delay({ seconds: 5, next: "no/slash" }))).toEqual([
      { path: "steps.first.next", message: STEP_ID },
    ]);
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`s${i}`, { type: "exit" }]));
    expect(problemsOf({ ...onAudience(many), start: "s0" })).toEqual([
      { path: "steps", message: "must hold at most 100 steps" },
    ]);
  });

  it("delays out of range, with none or two of seconds, untilLocalTime and untilDate", () => {
    for (const seconds of [0, 31_536_001, 1.5, "60"]) {
      expect(problemsOf(delay({ seconds }))).toEqual([{ path: "steps.first.seconds", message: SECONDS }]);
    }
    expect(problemsOf(delay({ untilLocalTime: { hour: 24 } }))).toEqual([
      { path: "steps.first.untilLocalTime.hour", message: "must be an integer from 0 to 23" },
    ]);
    expect(problemsOf(delay({ untilLocalTime: { hour: 9, minute: 60 } }))).toEqual([
      { path: "steps.first.untilLocalTime.minute", message: "must be an integer from 0 to 59" },
    ]);
    const one = "must have exactly one of seconds, untilLocalTime, untilDate";
    expect(problemsOf(delay({}))).toEqual([{ path: "steps.first", message: one }]);
    expect(problemsOf(delay({ seconds: 5, untilLocalTime: { hour: 9 } }))).toEqual([
      { path: "steps.first", message: one },
    ]);
  });

  it("an untilDate that is no date-time with offset, or a ref outside entry and attributes", () => {
    const date = 'must be an ISO-8601 date-time with offset or { "ref": … }';
    for (const untilDate of ["2026-12-24T18:00:00", "2026-12-24", 5]) {
      expect(problemsOf(delay({ untilDate }))).toEqual([{ path: "steps.first.untilDate", message: date }]);
    }
    const ref = "must be entry.<key>[.<key>…] or attributes.<key>[.<key>…] (keys may not contain $ or be empty)";
    for (const path of ["profile.email", "attributes", "attributes..x", "entry.$x"]) {
      expect(problemsOf(delay({ untilDate: { ref: path } }))).toEqual([
        { path: "steps.first.untilDate.ref", message: ref },
      ]);
    }
    expect(problemsOf(delay({ untilDate: { ref: "entry.endsAt" } }))).toEqual([
      { path: "steps.first.untilDate.ref", message: "needs an event entry" },
    ]);
  });

  it("waits out of range, a bad category, no branch case or more than 20", () => {
    const wait = (fields: Record<string, unknown>) => ({
      ...abandonedCart,
      steps: { ...abandonedCart.steps, wait: { ...abandonedCart.steps.wait, ...fields } },
    });
    expect(problemsOf(wait({ timeoutSeconds: 0 }))).toEqual([{ path: "steps.wait.timeoutSeconds", message: SECONDS }]);
    expect(problemsOf(wait({ timeoutSeconds: undefined }))).toEqual([
      { path: "steps.wait.timeoutSeconds", message: SECONDS },
    ]);
    expect(problemsOf(wait({ match: { property: "x", op: "in", value: 1 } }))).toEqual([
      { path: "steps.wait.match.value", message: "must be an array for in" },
    ]);
    expect(problemsOf(wait({ sameKey: "yes" }))).toEqual([
      { path: "steps.wait.sameKey", message: "must be true or false" },
    ]);
    expect(problemsOf(onAudience({ first: { type: "send", templateId: "t", category: "PROMO" } }))).toEqual([
      { path: "steps.first.category", message: "must be one of MARKETING, TRANSACTIONAL" },
    ]);
    expect(problemsOf(onAudience({ first: { type: "send", templateId: "" } }))).toEqual([
      { path: "steps.first.templateId", message: "must be a non-empty template id" },
    ]);
    const branch = (cases: unknown[]) =>
      onAudience({ first: { type: "branch", cases, else: "end" }, end: { type: "exit" } });
    expect(problemsOf(branch([]))).toEqual([{ path: "steps.first.cases", message: "must hold at least one case" }]);
    const many = Array.from({ length: 21 }, () => ({ when: { tag: "a" }, next: "end" }));
    expect(problemsOf(branch(many))).toEqual([{ path: "steps.first.cases", message: "must hold at most 20 cases" }]);
  });

  it("re-entry out of range", () => {
    const reentry = (value: unknown) => ({ ...abandonedCart, reentry: value });
    for (const maxInstances of [0, 101, 2.5]) {
      expect(problemsOf(reentry({ mode: "concurrent", maxInstances }))).toEqual([
        { path: "reentry.maxInstances", message: "must be an integer from 1 to 100" },
      ]);
    }
    for (const cooldownSeconds of [-1, 31_536_001]) {
      expect(problemsOf(reentry({ mode: "afterExit", cooldownSeconds }))).toEqual([
        { path: "reentry.cooldownSeconds", message: "must be an integer from 0 to 31536000 (365 days)" },
      ]);
    }
  });

  it("concurrent instances or sameKey without an event entry keyed", () => {
    const { key: _, ...unkeyed } = abandonedCart.entry;
    expect(problemsOf({ ...abandonedCart, entry: unkeyed })).toEqual([
      { path: "reentry.mode", message: "concurrent needs an event entry with a key" },
      { path: "steps.wait.sameKey", message: "needs an event entry with a key" },
    ]);
    expect(problemsOf({ ...abandonedCart, entry: { type: "audience", audienceId: "a" }, reentry: undefined })).toEqual([
      { path: "steps.wait.sameKey", message: "needs an event entry with a key" },
    ]);
  });

  it("an exit event without a name, or audience exits that are not ids", () => {
    expect(problemsOf({ ...abandonedCart, exit: { events: [{ event: "" }] } })).toEqual([
      { path: "exit.events[0].event", message: "must be a non-empty event name" },
    ]);
    expect(problemsOf({ ...abandonedCart, exit: { audienceExit: "aud" } })).toEqual([
      { path: "exit.audienceExit", message: "must be an array of audience ids" },
    ]);
  });
});

describe("journey definitions: refused for how steps link", () => {
  it("a start or link naming no step", () => {
    expect(problemsOf({ ...abandonedCart, start: "nope" })).toContainEqual({
      path: "start",
      message: 'must name a step (there is no step "nope")',
    });
    const wait = { ...abandonedCart.steps.wait, next: "gone", timeoutNext: "lost" };
    expect(problemsOf({ ...abandonedCart, steps: { ...abandonedCart.steps, wait } })).toEqual([
      { path: "steps.wait.next", message: 'must name a step (there is no step "gone")' },
      { path: "steps.wait.timeoutNext", message: 'must name a step (there is no step "lost")' },
      { path: "steps.remind", message: "is not reachable from start" },
      { path: "steps.done", message: "is not reachable from start" },
    ]);
    const branch = { type: "branch", cases: [{ when: { tag: "a" }, next: "x" }], else: "y" };
    expect(problemsOf(onAudience({ first: branch }))).toEqual([
      { path: "steps.first.cases[0].next", message: 'must name a step (there is no step "x")' },
      { path: "steps.first.else", message: 'must name a step (there is no step "y")' },
    ]);
    expect(problemsOf(onAudience({ first: { type: "send", templateId: "t", next: "z" } }))).toEqual([
      { path: "steps.first.next", message: 'must name a step (there is no step "z")' },
    ]);
  });

  it("a step not reachable from start", () => {
    const json = onAudience({ first: { type: "send", templateId: "t" }, orphan: { type: "exit" } });
    expect(problemsOf(json)).toEqual([{ path: "steps.orphan", message: "is not reachable from start" }]);
  });

  it("a loop with no delay or waitFor, however long", () => {
    expect(problemsOf(onAudience({ first: { type: "send", templateId: "t", next: "first" } }))).toEqual([
      { path: "steps.first", message: "is in a loop with no delay or waitFor: first → first" },
    ]);
    const json = onAudience({
      first: { type: "send", templateId: "t", next: "check" },
      check: { type: "branch", cases: [{ when: { tag: "a" }, next: "first" }], else: "pause" },
      pause: { type: "delay", seconds: 60, next: "first" },
    });
    expect(problemsOf(json)).toEqual([
      { path: "steps.first", message: "is in a loop with no delay or waitFor: first → check → first" },
    ]);
  });
});
