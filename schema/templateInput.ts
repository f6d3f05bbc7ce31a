import { type Channel, type TemplateContent, templateContentSchema, templateNameSchema } from "../model/index.ts";
import type { TemplateDraft } from "../store/index.ts";
import { checkTemplate } from "../templates/index.ts";
import { builder } from "./builder.ts";
import { ChannelRef, MessageCategoryRef } from "./channel.ts";
import { badInput, type InputIssue, parseArgument } from "./errors.ts";

const LIQUID = "a Liquid template";

const EmailContentInputRef = builder.inputType("EmailContentInput", {
  description: "An email: a subject and an HTML body, a text body or both; each is a Liquid template",
  fields: (t) => ({
    subject: t.string({ required: true, description: `${LIQUID}, at most 998 characters` }),
    html: t.string({ description: `${LIQUID} whose outputs are HTML-escaped (\`| raw\` opts out), at most 512 KiB` }),
    text: t.string({ description: `${LIQUID}, at most 512 KiB` }),
  }),
});

const PushContentInputRef = builder.inputType("PushContentInput", {
  description: "A push notification; title, body, imageUrl, deepLink and each data value are Liquid templates",
  fields: (t) => ({
    title: t.string({ required: true }),
    body: t.string({ required: true }),
    imageUrl: t.string(),
    data: t.field({ type: "JSON", description: "An object of string values, sent as the notification's data" }),
    deepLink: t.string(),
    ttlSeconds: t.int({
      description: "How long the provider keeps an undelivered notification; default 4 weeks, at most 2419200",
    }),
  }),
});

const WhatsAppContentInputRef = builder.inputType("WhatsAppContentInput", {
  description: "An approved WhatsApp template and its parameters; each parameter is a Liquid template",
  fields: (t) => ({
    templateName: t.string({ required: true, description: "The approved template's name: a-z, 0-9 and _" }),
    language: t.string({ required: true, description: "A language code such as en or en_US" }),
    bodyParameters: t.stringList({ description: "At most 100" }),
    headerParameters: t.stringList({ description: "At most 10" }),
  }),
});

const InAppContentInputRef = builder.inputType("InAppContentInput", {
  description: "An in-app message; title, body and imageUrl are Liquid templates",
  fields: (t) => ({
    title: t.string({ required: true }),
    body: t.string(),
    imageUrl: t.string(),
    buttons: t.field({ type: "JSON", description: "A list of objects, at most 10, given to the app as they are" }),
    payload: t.field({ type: "JSON", description: "An object given to the app as it is" }),
    expiresInSeconds: t.int({ description: "Not shown after this; default 30 days, 60 to 31536000" }),
  }),
});

export const TemplateInputRef = builder.inputType("TemplateInput", {
  description: "A template's version: exactly one of email, push, whatsapp and inApp, the one its channel names",
  fields: (t) => ({
    name: t.string({ required: true, description: "1–200 characters; not unique" }),
    channel: t.field({ type: ChannelRef, required: true, description: "Cannot change from one version to the next" }),
    category: t.field({ type: MessageCategoryRef, description: "Default MARKETING" }),
    email: t.field({ type: EmailContentInputRef }),
    push: t.field({ type: PushContentInputRef }),
    whatsapp: t.field({ type: WhatsAppContentInputRef }),
    inApp: t.field({ type: InAppContentInputRef }),
  }),
});

type TemplateInput = typeof TemplateInputRef.$inferInput;

/** The input field holding each channel's content. */
const CONTENT_FIELDS = {
  EMAIL: "email",
  PUSH: "push",
  WHATSAPP: "whatsapp",
  IN_APP: "inApp",
} as const satisfies Record<Channel, keyof TemplateInput>;

/** A content input without the fields given as null, which the content schemas take as left out. */
function withoutNulls(fields: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null && value !== undefined));
}

function contentOf(input: TemplateInput): TemplateContent {
  const wanted = CONTENT_FIELDS[input.channel];
  const given = Object.values(CONTENT_FIELDS).filter((field) => input[field] != null);
  const content = input[wanted];
  if (!content || given.length !== 1) {
    throw badInput([
      {
        field: `input.${wanted}`,
        message: `a ${input.channel} template needs ${wanted} and no other content (got ${given.join(", ") || "none"})`,
      },
    ]);
  }
  return parseArgument(templateContentSchema, { channel: input.channel, [wanted]: withoutNulls(content) }, "input");
}

/** A Liquid field that does not parse, where it is. */
type TemplateIssue = InputIssue & { line: number; column: number };

/**
 * Validates `createTemplate`/`updateTemplate` input: the content its channel names, each field
 * within its bounds, every Liquid field parsing (a refusal names `input.<field>`, line and column).
 */
export function parseTemplateInput(input: TemplateInput): TemplateDraft {
  const name = parseArgument(templateNameSchema, input.name, "input.name");
  const content = contentOf(input);
  const issues: TemplateIssue[] = checkTemplate(content).map((problem) => ({
    field: `input.${problem.field}`,
    message: `does not parse at line ${problem.line}, column ${problem.column}: ${problem.message}`,
    line: problem.line,
    column: problem.column,
  }));
  if (issues.length > 0) throw badInput(issues);
  return { name, category: input.category ?? "MARKETING", content };
}
