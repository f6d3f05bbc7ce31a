import { z } from "zod";
import { type JsonObject, jsonObjectSchema, type SendCustomer } from "../model/index.ts";

const namedSourceSchema = z.object({ id: z.string(), name: z.string() });
/** What an audience, journey or campaign tells a template about itself. */
export type NamedSource = z.infer<typeof namedSourceSchema>;

/**
 * The variables a send carries besides the customer (`message.send`'s `variables`): its `data`,
 * the event that started an event-triggered journey, and where it comes from. Other keys are
 * dropped: a template reads only what API.md lists.
 */
const sendVariablesSchema = z.object({
  data: jsonObjectSchema.optional(),
  event: z.object({ name: z.string(), properties: jsonObjectSchema }).optional(),
  audience: namedSourceSchema.optional(),
  journey: namedSourceSchema.optional(),
  campaign: namedSourceSchema.optional(),
});

/**
 * What a template may read (API.md, "Channels and templates"): the customer as the send was
 * decided, the send's variables, and the unsubscribe link of a marketing email. A variable left
 * out does not exist, so a template reading it fails unless it tests it with `{% if %}` or
 * `| default:`.
 */
export type TemplateVariables = z.infer<typeof sendVariablesSchema> & {
  /** Absent for a message to many at once (an FCM topic message): a template reading it fails. */
  customer?: SendCustomer;
  unsubscribeUrl?: string;
};

/** A send's variables do not have the shapes a template reads: a bug of whoever asked for the send. */
export class SendVariablesError extends Error {
  override name = "SendVariablesError";
}

/** The variables of one send, from what `send.decided` carries; throws SendVariablesError when they do not fit. */
export function templateVariablesOf(
  customer: SendCustomer,
  variables: JsonObject,
  unsubscribeUrl?: string,
): TemplateVariables {
  return { ...sharedVariablesOf(variables), customer, ...(unsubscribeUrl === undefined ? {} : { unsubscribeUrl }) };
}

/** The variables of a message to no customer in particular (an FCM topic message); throws SendVariablesError when they do not fit. */
export function sharedVariablesOf(variables: JsonObject): TemplateVariables {
  const parsed = sendVariablesSchema.safeParse(variables);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new SendVariablesError(`a send's variables do not fit a template: ${problems.join("; ")}`);
  }
  return parsed.data;
}
