import type { TemplateContent } from "../model/index.ts";
import { ENGINES } from "./engine.ts";
import { mapLiquidFields } from "./fields.ts";
import { isLiquidError, liquidErrorPlace } from "./problem.ts";

/** A Liquid field that does not parse: `field` is its path in the content (`email.html`). */
export type TemplateProblem = { field: string; line: number; column: number; message: string };

/** Parses every Liquid field of the content; empty when all of them parse. */
export function checkTemplate(content: TemplateContent): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  mapLiquidFields(content, ({ path, source, kind }) => {
    try {
      ENGINES[kind].parse(source);
    } catch (error) {
      if (!isLiquidError(error)) throw error;
      problems.push({ field: path, ...liquidErrorPlace(error) });
    }
    return source;
  });
  return problems;
}
