import { z } from "zod";
import {
  customerIdSchema,
  eventPropertiesSchema,
  internalEventPropertySchemas,
  isInternalEvent,
} from "../model/index.ts";
import { AckRef, ack } from "./ack.ts";
import { builder } from "./builder.ts";
import { callerAccount } from "./context.ts";
import { ingesting, parseArgument } from "./errors.ts";
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

builder.mutationField("trackEvents", (t) =>
  t.field({
    type: AckRef,
    description: `ADMIN or SDK: records 1 to ${MAX_EVENTS_PER_CALL} events; all are accepted or none`,
    authScopes: { $any: { admin: true, sdk: true } },
    args: { events: t.arg({ type: [EventInputRef], required: true }) },
    resolve: (_root, args, context) => {
      const account = callerAccount(context);
      const events = parseArgument(eventsSchema, args.events, "events");
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
