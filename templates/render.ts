import type { Template } from "liquidjs";
import { LRUCache } from "lru-cache";
import type { TemplateContent, TemplateVersion } from "../model/index.ts";
import { ENGINES, type FieldKind, TEMPLATE_LIMITS } from "./engine.ts";
import { mapLiquidFields } from "./fields.ts";
import { isLiquidError, liquidErrorPlace } from "./problem.ts";
import type { TemplateVariables } from "./variables.ts";

/** A template's content with every Liquid field rendered: the same shape, one per channel. */
export type RenderedMessage = TemplateContent;

/**
 * A rendered message, or the first field that failed: `variable` names the missing variable
 * (`customer.firstName`) when that is why, and `error` says what failed where.
 */
export type RenderResult =
  | { ok: true; message: RenderedMessage }
  | { ok: false; field: string; variable?: string; error: string };

/** Parsed fields kept: a version never changes, so an entry is never stale. */
const PARSED_FIELDS = 5_000;
const parsed = new LRUCache<string, Template[]>({ max: PARSED_FIELDS });

function parsedField(version: TemplateVersion, path: string, source: string, kind: FieldKind): Template[] {
  const key = `${version.templateId}\u0000${version.version}\u0000${path}`;
  const cached = parsed.get(key);
  if (cached) return cached;
  const templates = ENGINES[kind].parse(source);
  parsed.set(key, templates);
  return templates;
}

/** Carries a field's Liquid error out of `mapLiquidFields`. */
class FieldFailure extends Error {
  override name = "FieldFailure";
  readonly result: Extract<RenderResult, { ok: false }>;
  constructor(result: Extract<RenderResult, { ok: false }>) {
    super(result.error);
    this.result = result;
  }
}

function failureOf(field: string, error: unknown): FieldFailure {
  if (!isLiquidError(error)) throw error;
  const { line, column, message } = liquidErrorPlace(error);
  const original: unknown = error.originalError;
  const variable =
    original instanceof Error && "variableName" in original && typeof original.variableName === "string"
      ? original.variableName
      : undefined;
  return new FieldFailure({
    ok: false,
    field,
    ...(variable === undefined ? {} : { variable }),
    error: `${field}: ${message} (line ${line}, column ${column})`,
  });
}

/**
 * Renders every Liquid field of a template version with the variables, all or nothing: the first
 * field that fails (a missing variable, a limit of TEMPLATE_LIMITS) fails the message. The time
 * limit is the whole message's, shared by its fields: a hundred hostile parameters take no longer
 * than one.
 */
export function renderMessage(version: TemplateVersion, variables: TemplateVariables): RenderResult {
  const deadline = performance.now() + TEMPLATE_LIMITS.renderMilliseconds;
  try {
    const message = mapLiquidFields(version.content, ({ path, source, kind }) => {
      try {
        const renderLimit = Math.max(0, deadline - performance.now());
        return String(ENGINES[kind].renderSync(parsedField(version, path, source, kind), variables, { renderLimit }));
      } catch (error) {
        throw failureOf(path, error);
      }
    });
    return { ok: true, message };
  } catch (error) {
    if (error instanceof FieldFailure) return error.result;
    throw error;
  }
}
