import { z } from "zod";
import {
  CAP_PERIODS,
  type Cap,
  capSchema,
  type MessagingSettings,
  messagingSettingsSchema,
  QUIET_HOURS_ACTIONS,
  type QuietHours,
  quietHoursSchema,
  timeZoneSchema,
} from "../model/index.ts";
import { builder } from "./builder.ts";
import { ChannelRef } from "./channel.ts";
import { callerAccount } from "./context.ts";
import { parseArgument } from "./errors.ts";

const QuietHoursActionRef = builder.enumType("QuietHoursAction", {
  description:
    "DEFER: a marketing message due in quiet hours is sent at their end; DROP: it is SUPPRESSED (QUIET_HOURS)",
  values: QUIET_HOURS_ACTIONS,
});

const CapPeriodRef = builder.enumType("CapPeriod", {
  description: "A calendar day, or a calendar week from Monday, in the customer's local time",
  values: CAP_PERIODS,
});

const QuietHoursRef = builder.objectRef<QuietHours>("QuietHours").implement({
  description: "No marketing message between start and end, local time; the window may cross midnight",
  fields: (t) => ({
    start: t.exposeString("start", { description: "HH:MM" }),
    end: t.exposeString("end", { description: "HH:MM" }),
    action: t.expose("action", { type: QuietHoursActionRef }),
  }),
});

const CapRef = builder.objectRef<Cap>("Cap").implement({
  description: "At most `max` marketing messages per period on `channel`, or on all channels together when it is null",
  fields: (t) => ({
    channel: t.expose("channel", { type: ChannelRef, nullable: true }),
    max: t.exposeInt("max"),
    per: t.expose("per", { type: CapPeriodRef }),
  }),
});

const MessagingSettingsRef = builder.objectRef<MessagingSettings>("MessagingSettings").implement({
  description: "The account's caps and quiet hours; TRANSACTIONAL messages bypass both",
  fields: (t) => ({
    timezone: t.string({
      nullable: true,
      description: "The time zone of customers who have none; UTC when null",
      resolve: (settings) => settings.timezone ?? null,
    }),
    quietHours: t.field({
      type: QuietHoursRef,
      nullable: true,
      resolve: (settings) => settings.quietHours ?? null,
    }),
    caps: t.field({ type: [CapRef], resolve: (settings) => settings.caps }),
  }),
});

const QuietHoursInputRef = builder.inputType("QuietHoursInput", {
  fields: (t) => ({
    start: t.string({ required: true, description: "HH:MM, e.g. 21:00" }),
    end: t.string({ required: true, description: "HH:MM, e.g. 08:00" }),
    action: t.field({ type: QuietHoursActionRef, required: true }),
  }),
});

const CapInputRef = builder.inputType("CapInput", {
  fields: (t) => ({
    channel: t.field({ type: ChannelRef, description: "Null: all channels together" }),
    max: t.int({ required: true }),
    per: t.field({ type: CapPeriodRef, required: true }),
  }),
});

const MessagingSettingsInputRef = builder.inputType("MessagingSettingsInput", {
  description: "Replaces the account's caps and quiet hours; what is left out is unset",
  fields: (t) => ({
    timezone: t.string({ description: "IANA, e.g. Europe/Madrid: for customers without a timezone of their own" }),
    quietHours: t.field({ type: QuietHoursInputRef }),
    caps: t.field({ type: [CapInputRef], description: "At most 20; default none" }),
  }),
});

const absent = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

const messagingSettingsInputSchema = z
  .object({
    timezone: absent(timeZoneSchema),
    quietHours: absent(quietHoursSchema),
    caps: z
      .array(capSchema.extend({ channel: capSchema.shape.channel.nullish().transform((value) => value ?? null) }))
      .nullish()
      .transform((value) => value ?? []),
  })
  // Unset parts are left out of the document rather than stored as null.
  .transform(
    ({ timezone, quietHours, caps }): MessagingSettings => ({
      ...(timezone ? { timezone } : {}),
      ...(quietHours ? { quietHours } : {}),
      caps,
    }),
  )
  // The stored settings' own bounds (how many caps) are checked once, there.
  .pipe(messagingSettingsSchema);

builder.queryField("messagingSettings", (t) =>
  t.field({
    type: MessagingSettingsRef,
    description: "ADMIN: the account's caps and quiet hours (none until configureMessaging)",
    authScopes: { admin: true },
    resolve: (_root, _args, context) => context.services.messagingSettings.get(callerAccount(context)),
  }),
);

builder.mutationField("configureMessaging", (t) =>
  t.field({
    type: MessagingSettingsRef,
    description:
      "ADMIN: replaces the account's caps and quiet hours, which apply to marketing messages decided from now on",
    authScopes: { admin: true },
    args: { input: t.arg({ type: MessagingSettingsInputRef, required: true }) },
    resolve: async (_root, args, context) => {
      const settings = parseArgument(messagingSettingsInputSchema, args.input, "input");
      await context.services.messagingSettings.set(callerAccount(context), settings);
      return settings;
    },
  }),
);
