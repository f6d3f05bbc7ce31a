export { checkTemplate, type TemplateProblem } from "./check.ts";
export { TEMPLATE_LIMITS } from "./engine.ts";
export { type RenderedMessage, type RenderResult, renderMessage } from "./render.ts";
export {
  type NamedSource,
  SendVariablesError,
  sharedVariablesOf,
  type TemplateVariables,
  templateVariablesOf,
} from "./variables.ts";
