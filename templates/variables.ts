import type { JsonObject, SendCustomer } from "../model/index.ts";

/** What an audience, journey or campaign tells a template about itself. */
export type NamedSource = { id: string; name: string };

/**
 * What a template may read (API.md, "Channels and templates"): the customer as the send was
 * decided, the send's `data`, and where it comes from. A variable left out does not exist, so a
 * template reading it fails unless it tests it with `{% if %}` or `| default:`.
 */
export type TemplateVariables = {
  customer: SendCustomer;
  data?: JsonObject;
  /** The event that started an event-triggered journey. */
  event?: { name: string; properties: JsonObject };
  audience?: NamedSource;
  journey?: NamedSource;
  campaign?: NamedSource;
  unsubscribeUrl?: string;
};
