import { z } from "zod";
import {
  customerIdSchema,
  eventPropertiesSchema,
  internalEventPropertySchemas,
  isInternalEvent,
} from "../model/index.ts";
import { AckRef, ack } from "./ack.ts";
import { builder } from "./builder.ts";
import { type Context, callerAccount } from "./context.ts";
import { ensureMayTouchCustomer } from "./customerAccess.ts";
import { forbidden, ingesting, parseArgument } from "./errors.ts";
import { MAX_EVENTS_PER_CALL } from "./limits.ts";

const EventInputRef = builder.inputType("EventInput", {
  description: "One event of a customer; internal names (FULFILL, REVERSE, CANCEL, …) need their properties",
  fields: (t) => ({
    id: t.id({ description: "Idempotency key: the same id twice is applied once" }),
    customerId: t.id({ required: true }),
    name: t.string({ required: true }),
    timestamp: t.field({ type: "DateTime", description: "Default: when accepted" }),
    properties: t.field({ type: "JSON" }),
  }),
});

const eventSchema = z
  .object({
    id: z
      .string()
      .min(1, "must not be empty")
      .max(128, "must be at most 128 characters")
      .nullish()
      .transform((value) => value ?? undefined),
    customerId: customerIdSchema,
    name: z.string().trim().min(1, "must not be empty").max(255, "must be at most 255 characters"),
    timestamp: z
      .date()
      .nullish()
      .transform((value) => value?.toISOString()),
    properties: eventPropertiesSchema.nullish().transform((value) => value ?? {}),
  })
  .superRefine((event, ctx) => {
    const schema = isInternalEvent(event.name) ? internalEventPropertySchemas[event.name] : undefined;
    const result = schema?.safeParse(event.properties);
    for (const issue of result?.error?.issues ?? []) {
      ctx.addIssue({ code: "custom", path: ["properties", ...issue.path], message: issue.message });
    }
  });

const eventsSchema = z
  .array(eventSchema)
  .min(1, "must hold at least one event")
  .max(MAX_EVENTS_PER_CALL, `must hold at most ${MAX_EVENTS_PER_CALL} events`);

/**
 * Internal events are the platform's own (purchases, reversals, …); an SDK key ships inside apps
 * anyone may take apart, so it sends custom events only. Checked before the properties are, so the
 * refusal says what is wrong.
 */
function ensureNoInternalEventFromSdk(context: Context, events: readonly { name: string }[]): void {
  if (context.caller?.kind !== "key" || context.caller.role !== "SDK") return;
  const index = events.findIndex(({ name }) => isInternalEvent(name.trim()));
  if (index < 0) return;
  const field = `events[${index}].name`;
  throw forbidden(`${field}: SDK keys may not send the internal event ${events[index]?.name.trim()}`, field);
}

builder.mutationField("trackEvents", (t) =>
  t.field({
    type: AckRef,
    description: `ADMIN or SDK: records 1 to ${MAX_EVENTS_PER_CALL} events; all are accepted or none`,
    authScopes: { $any: { admin: true, sdk: true } },
    args: { events: t.arg({ type: [EventInputRef], required: true }) },
    resolve: (_root, args, context) => {
      const account = callerAccount(context);
      ensureNoInternalEventFromSdk(context, args.events);
      const events = parseArgument(eventsSchema, args.events, "events");
      events.forEach(({ customerId }, index) => {
        ensureMayTouchCustomer(context, customerId, `events[${index}].customerId`);
      });
      return ingesting(
        (index) => `events[${index}]`,
        async () =>
          ack(
            await context.services.publisher.publish(
              events.map(({ id, customerId, name, timestamp, properties }) => ({
                type: "event.track" as const,
                id: id === undefined ? undefined : { client: id },
                data: { name, timestamp, properties },
                metadata: { account, customerId },
              })),
            ),
          ),
      );
    },
  }),
);
