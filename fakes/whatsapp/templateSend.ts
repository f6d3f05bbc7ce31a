import { ERROR_CODES, graphError, type Reply } from "./graphErrors.ts";
import { type MessageBody, parameterText, type TemplateComponent } from "./messageBody.ts";
import { placeholdersOf, render, type StoredTemplate, type TemplateBook } from "./templates.ts";

/** A template message as the fake records it: what was asked for and what the user would read. */
export type SentTemplate = {
  name: string;
  language: string;
  category: StoredTemplate["category"];
  parameters: { header: string[]; body: string[] };
  /** Button components as sent; the fake does not model buttons. */
  buttons: TemplateComponent[];
  rendered: { header?: string; body: string };
};

type Part = "header" | "body";

/**
 * Checks a template send against the approved template (132001 when there is none in that language,
 * 132000 when a component's parameters do not fill its placeholders) and renders it.
 */
export function resolveTemplate(
  templates: TemplateBook,
  requested: NonNullable<MessageBody["template"]>,
): SentTemplate | Reply {
  const template = templates.find(requested.name, requested.language.code);
  if (template === undefined) {
    return graphError({
      code: ERROR_CODES.TEMPLATE_MISSING,
      details: `template name (${requested.name}) does not exist in ${requested.language.code}`,
    });
  }
  const given = {
    header: parametersOf(requested.components, "header"),
    body: parametersOf(requested.components, "body"),
  };
  for (const part of ["header", "body"] as const) {
    const expected = placeholdersOf(template[part]).length;
    if (given[part].length !== expected) {
      return graphError({
        code: ERROR_CODES.PARAMETER_COUNT,
        details: `${part}: number of localizable_params (${given[part].length}) does not match the expected number of params (${expected})`,
      });
    }
    const media = given[part].find((parameter) => parameter.text === undefined);
    if (media !== undefined) {
      return graphError({
        code: ERROR_CODES.INVALID_PARAMETER,
        details: `${part}: parameter of type ${media.type} does not fit the template's text`,
      });
    }
  }
  const values = (part: Part) => given[part].map((p) => p.text ?? "");
  return {
    name: template.name,
    language: template.language,
    category: template.category,
    parameters: { header: values("header"), body: values("body") },
    buttons: requested.components.filter((component) => component.type === "button"),
    rendered: {
      ...(template.header === undefined ? {} : { header: render(template.header, given.header) }),
      body: render(template.body, given.body),
    },
  };
}

function parametersOf(components: readonly TemplateComponent[], part: Part) {
  return components
    .filter((component) => component.type === part)
    .flatMap((component) => component.parameters)
    .map((parameter) => ({
      type: parameter.type,
      text: parameterText(parameter),
      ...(parameter.parameter_name === undefined ? {} : { name: parameter.parameter_name }),
    }));
}
