import { z } from "zod";

/**
 * The body of `POST /{version}/{phone-number-id}/messages`, as far as the fake reads it. Fields it
 * does not model (context, biz_opaque_callback_data, …) pass through untouched, as Graph takes them.
 */

/** A parameter; header and body text take `text`, `currency` and `date_time` (by their fallback). */
const parameterSchema = z.looseObject({
  type: z.string().min(1),
  text: z.string().optional(),
  parameter_name: z.string().min(1).optional(),
  currency: z.looseObject({ fallback_value: z.string() }).optional(),
  date_time: z.looseObject({ fallback_value: z.string() }).optional(),
});
export type TemplateParameter = z.infer<typeof parameterSchema>;

const componentSchema = z.looseObject({
  type: z.enum(["header", "body", "button"]),
  sub_type: z.string().optional(),
  index: z.union([z.string(), z.number()]).optional(),
  parameters: z.array(parameterSchema).default([]),
});
export type TemplateComponent = z.infer<typeof componentSchema>;

export const messageBodySchema = z.looseObject({
  messaging_product: z.literal("whatsapp"),
  recipient_type: z.literal("individual").optional(),
  /** The recipient's phone number with country code; the fake wants E.164 digits, `+` optional. */
  to: z.string().regex(/^\+?[1-9]\d{6,14}$/, "to must be a phone number in E.164 digits"),
  /** Graph's default is text. */
  type: z.string().default("text"),
  text: z.looseObject({ body: z.string().min(1).max(4096), preview_url: z.boolean().optional() }).optional(),
  template: z
    .looseObject({
      name: z.string().min(1),
      language: z.looseObject({ code: z.string().min(1), policy: z.literal("deterministic").optional() }),
      components: z.array(componentSchema).default([]),
    })
    .optional(),
});
export type MessageBody = z.infer<typeof messageBodySchema>;

/** The text a parameter stands for in the rendered message, or undefined for a media parameter. */
export function parameterText(parameter: TemplateParameter): string | undefined {
  if (parameter.type === "text") return parameter.text;
  if (parameter.type === "currency") return parameter.currency?.fallback_value;
  if (parameter.type === "date_time") return parameter.date_time?.fallback_value;
  return undefined;
}

/** "to" as WhatsApp ids a user: the digits alone. */
export function waIdOf(to: string): string {
  return to.replace(/^\+/, "");
}
