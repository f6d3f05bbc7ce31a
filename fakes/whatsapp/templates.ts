import { z } from "zod";

/**
 * An approved message template as WhatsApp Manager would hold it: a name and a language, with text
 * in which `{{1}}`-style (positional) or `{{name}}`-style (named) placeholders take parameters.
 */
export const approvedTemplateSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9_]+$/, "template names are lower-case letters, digits and _"),
  /** A language code such as `en_US` or `es`. */
  language: z.string().regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, "language codes look like en or en_US"),
  category: z.enum(["MARKETING", "UTILITY", "AUTHENTICATION"]).default("MARKETING"),
  /** A text header; media headers are not modelled. */
  header: z.string().min(1).optional(),
  body: z.string().min(1),
});
export type ApprovedTemplate = z.input<typeof approvedTemplateSchema>;
export type StoredTemplate = z.output<typeof approvedTemplateSchema>;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** The distinct placeholders of a text, in order of first appearance. */
export function placeholdersOf(text: string | undefined): string[] {
  if (text === undefined) return [];
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ""))];
}

/** A text with its placeholders filled: by `parameter_name` when given, else by position. */
export function render(text: string, parameters: readonly { text?: string; name?: string }[]): string {
  const names = placeholdersOf(text);
  const values = new Map(names.map((name, index) => [name, parameterFor(name, index, parameters)]));
  return text.replaceAll(PLACEHOLDER, (_, name: string) => values.get(name) ?? "");
}

function parameterFor(name: string, index: number, parameters: readonly { text?: string; name?: string }[]): string {
  return parameters.find((p) => p.name === name)?.text ?? parameters[index]?.text ?? "";
}

/** The approved templates, keyed by name and language as the Cloud API looks them up. */
export type TemplateBook = {
  add(template: ApprovedTemplate): StoredTemplate;
  find(name: string, language: string): StoredTemplate | undefined;
  list(): StoredTemplate[];
};

export function createTemplateBook(initial: readonly ApprovedTemplate[]): TemplateBook {
  const templates = new Map<string, StoredTemplate>();
  const keyOf = (name: string, language: string) => `${name}\u0000${language}`;
  const book: TemplateBook = {
    add(template) {
      const stored = approvedTemplateSchema.parse(template);
      templates.set(keyOf(stored.name, stored.language), stored);
      return structuredClone(stored);
    },
    find: (name, language) => templates.get(keyOf(name, language)),
    list: () => structuredClone([...templates.values()]),
  };
  for (const template of initial) book.add(template);
  return book;
}
