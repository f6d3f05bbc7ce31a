import { Liquid, type LiquidOptions } from "liquidjs";

/**
 * Bounds that keep a hostile template from stalling a channel worker: the characters one field's
 * parse reads, the milliseconds one message's render runs (all its fields together), and the
 * allocations (string and array lengths, as liquidjs counts them) one field's render makes.
 */
export const TEMPLATE_LIMITS = {
  parseCharacters: 1024 * 1024,
  renderMilliseconds: 500,
  renderMemory: 64 * 1024 * 1024,
} as const;

/**
 * The options of every field. strictVariables: a variable that does not exist fails the render
 * (never a half-rendered send); lenientIf lets `{% if %}` and `| default:` test one that may be
 * missing. strictFilters refuses an unknown filter when the template is parsed.
 */
const OPTIONS: LiquidOptions = {
  strictFilters: true,
  strictVariables: true,
  lenientIf: true,
  ownPropertyOnly: true,
  parseLimit: TEMPLATE_LIMITS.parseCharacters,
  renderLimit: TEMPLATE_LIMITS.renderMilliseconds,
  memoryLimit: TEMPLATE_LIMITS.renderMemory,
};

/** Tags that read files from the server's disk: a template is one string, it includes nothing. */
const FILE_TAGS = ["include", "render", "layout"];

function engine(options: LiquidOptions): Liquid {
  const liquid = new Liquid(options);
  for (const tag of FILE_TAGS) delete liquid.tags[tag];
  return liquid;
}

/**
 * Two engines with the same options but for HTML escaping: liquidjs adds the escape to each
 * output when it parses, from its engine's options, so a field's engine is chosen by its kind.
 */
export const ENGINES = {
  text: engine(OPTIONS),
  html: engine({ ...OPTIONS, outputEscape: "escape" }),
} as const;

/** `html` fields (the email's HTML body) escape every output unless it ends in `| raw`. */
export type FieldKind = keyof typeof ENGINES;
