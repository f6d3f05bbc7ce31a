import type { GraphQLParams } from "graphql-yoga";
import { z } from "zod";
import { jsonNestsDeeperThan, MAX_JSON_NESTING } from "./jsonNesting.ts";
import { multipartError } from "./multipartError.ts";

/** `operations` and `map` are small JSON documents; a larger one is refused, not truncated. */
export const MAX_FIELD_BYTES = 1024 * 1024;

const params = z.looseObject({
  query: z.string().optional(),
  operationName: z
    .string()
    .nullish()
    .transform((name) => name ?? undefined),
  variables: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((variables) => variables ?? undefined),
  extensions: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((extensions) => extensions ?? undefined),
});
const operationsSchema = z.union([params, z.array(params).min(1)]);

export type Operations = GraphQLParams | GraphQLParams[];

/** Where the request's one file goes: its part's name, and the object paths in `operations` it fills. */
export type FileSlot = { part: string; paths: string[] };

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const objectPath = z.string().refine((path) => path.split(".").every((key) => key !== "" && !FORBIDDEN_KEYS.has(key)), {
  error: "must be a dotted path into operations, such as variables.file",
});

const mapSchema = z.record(z.string(), z.array(objectPath).min(1)).refine((map) => Object.keys(map).length <= 1, {
  error: (issue) => `a request carries at most one file; map names ${Object.keys(issue.input as object).length}`,
});

/** The `operations` field: one GraphQL request, or a batch of them, as JSON. */
export function parseOperations(text: string): Operations {
  return parseJsonField("operations", text, operationsSchema);
}

/** The `map` field: `{ "0": ["variables.file"] }`; undefined when it names no file. */
export function parseMap(text: string): FileSlot | undefined {
  const [entry] = Object.entries(parseJsonField("map", text, mapSchema));
  return entry && { part: entry[0], paths: entry[1] };
}

function parseJsonField<T extends z.ZodType>(field: string, text: string, schema: T): z.infer<T> {
  if (jsonNestsDeeperThan(text, MAX_JSON_NESTING)) {
    throw multipartError(`multipart field "${field}" nests arrays and objects more than ${MAX_JSON_NESTING} deep`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw multipartError(`multipart field "${field}" must be JSON`);
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const where = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
  throw multipartError(`multipart field "${field}" is invalid${where}: ${issue?.message ?? "unexpected shape"}`);
}

/**
 * Puts `value` at a map path (checked by `parseMap`) such as `variables.file` or `0.variables.file`
 * (a batch), creating missing objects on the way as yoga's own parser does.
 */
export function setAtPath(operations: Operations, path: string, value: unknown): void {
  const keys = path.split(".");
  const last = keys.pop() ?? "";
  let node = operations as Record<string, unknown>;
  for (const key of keys) {
    const next = node[key];
    if (typeof next !== "object" || next === null || !Object.hasOwn(node, key)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[last] = value;
}
