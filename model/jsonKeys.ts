import { type JsonObject, jsonObjectSchema } from "./json.ts";

/** The longest key of a custom attribute or an event property, in characters (Unicode code points). */
export const JSON_KEY_MAX_LENGTH = 128;

/** How deep attributes and properties may nest: `a.b.c.d.e.f.g.h` (8 keys or array indexes) is the deepest path. */
export const JSON_MAX_DEPTH = 8;

/** Past this many problems in one value the rest go unreported, so a hostile value cannot swell the answer. */
const MAX_ISSUES = 10;

/** Why a key is refused, or undefined when it is fine. */
type KeyRule = (key: string) => string | undefined;

/**
 * Event property keys: 1–128 characters without NUL. Property keys are never stored as document
 * keys (events are counted by name, orders keep their values), so `.` and `$` are allowed; Braze
 * gets a leading `$` renamed (docs/braze.md).
 */
const propertyKeyProblem: KeyRule = (key) => {
  if (key === "") return "must not be empty";
  if (longerThan(key, JSON_KEY_MAX_LENGTH)) return `is longer than ${JSON_KEY_MAX_LENGTH} characters`;
  if (key.includes("\u0000")) return "must not contain NUL";
  return undefined;
};

/**
 * Custom attribute keys are stored as keys of the customer's document, so they also keep clear of
 * what MongoDB (FerretDB above all) refuses or reads as an operator or a path: no leading `$`, no `.`.
 */
const attributeKeyProblem: KeyRule = (key) => {
  const problem = propertyKeyProblem(key);
  if (problem) return problem;
  if (key.startsWith("$")) return 'must not start with "$"';
  if (key.includes(".")) return 'must not contain "."';
  return undefined;
};

/** What a JSON object's shape must keep clear of, at every depth. */
type ShapeRules = {
  keyProblem: KeyRule;
  /** An array directly inside an array: FerretDB cannot store one, so stored values refuse it. */
  arraysInArrays: boolean;
};

/**
 * Custom attributes: a JSON object whose keys, at every depth (arrays of objects too), follow
 * `attributeKeyProblem`, holding no array directly inside an array (`[[1, 2]]`; `[{"a": [1]}]` is fine).
 */
export const customAttributesSchema = boundedJsonObject({ keyProblem: attributeKeyProblem, arraysInArrays: false });

/** Event properties: a JSON object whose keys, at every depth, follow `propertyKeyProblem`. */
export const eventPropertiesSchema = boundedJsonObject({ keyProblem: propertyKeyProblem, arraysInArrays: true });

function boundedJsonObject(rules: ShapeRules) {
  return jsonObjectSchema.superRefine((object, context) => {
    for (const issue of jsonShapeIssues(object, rules)) context.addIssue({ code: "custom", ...issue });
  });
}

type ShapeIssue = { path: (string | number)[]; message: string };

/**
 * The keys `keyProblem` refuses, the arrays in arrays when refused, and the values nested deeper
 * than JSON_MAX_DEPTH, the first MAX_ISSUES of them. A refused key is reported at its object's path, quoting the key (its own
 * path would be ambiguous: `a.b` the key, or `b` inside `a`). Nothing below a refused key or past
 * the depth bound is walked, so the walk is as deep as the bound whatever the value.
 */
function jsonShapeIssues(root: JsonObject, { keyProblem, arraysInArrays }: ShapeRules): ShapeIssue[] {
  const issues: ShapeIssue[] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    const children: [string | number, unknown][] = Array.isArray(value)
      ? value.map((child, index) => [index, child])
      : isObject(value)
        ? Object.entries(value)
        : [];
    for (const [key, child] of children) {
      if (issues.length >= MAX_ISSUES) return;
      const problem = typeof key === "string" ? keyProblem(key) : undefined;
      if (problem) {
        issues.push({ path, message: `key ${quote(key as string)} ${problem}` });
      } else if (!arraysInArrays && Array.isArray(value) && Array.isArray(child)) {
        issues.push({
          path: [...path, key],
          message: "is an array directly inside an array, which the store cannot hold",
        });
      } else if (path.length + 1 > JSON_MAX_DEPTH) {
        issues.push({ path: [...path, key], message: `is nested deeper than ${JSON_MAX_DEPTH} levels` });
      } else {
        walk(child, [...path, key]);
      }
    }
  };
  walk(root, []);
  return issues;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Counts code points, stopping once past `limit` (a key may be megabytes long). */
function longerThan(text: string, limit: number): boolean {
  if (text.length <= limit) return false;
  let count = 0;
  for (const _ of text) {
    count += 1;
    if (count > limit) return true;
  }
  return false;
}

/** A key as JSON shows it (NUL as \u0000), cut to 40 characters. */
function quote(key: string): string {
  const cut = [...key.slice(0, 80)].slice(0, 40).join("");
  return JSON.stringify(cut) + (cut.length < key.length ? "…" : "");
}
