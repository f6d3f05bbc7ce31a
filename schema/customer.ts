import { z } from "zod";
import { customAttributesSchema, customerIdSchema, timeZoneSchema } from "../model/index.ts";
import { AckRef, ack } from "./ack.ts";
import { builder } from "./builder.ts";
import { ConsentInputRef, consentPatch } from "./consent.ts";
import { callerAccount } from "./context.ts";
import { CustomerRef } from "./customerType.ts";
import { ingesting, parseArgument } from "./errors.ts";

const CustomerInputRef = builder.inputType("CustomerInput", {
  description: "A customer's profile; fields left out keep their value",
  fields: (t) => ({
    customerId: t.id({ required: true }),
    email: t.string(),
    phone: t.string({ description: "E.164, e.g. +14155550123" }),
    firstName: t.string(),
    lastName: t.string(),
    tier: t.string(),
    timezone: t.string({
      description: "IANA, e.g. Europe/Madrid: caps and quiet hours are counted in it, else in the account's",
    }),
    attributes: t.field({ type: "JSON", description: "Custom attributes, may be nested; merged into the profile" }),
    tags: t.stringList({ description: "When given, replaces the customer's tag set" }),
    consent: t.field({ type: ConsentInputRef }),
    identified: t.boolean({ description: "Default true; anonymous customers are not evaluated in real time" }),
  }),
});

/** The longest address SMTP carries (RFC 5321). */
const EMAIL_MAX_LENGTH = 254;

const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

const customerInputSchema = z.object({
  customerId: customerIdSchema,
  // The length first: the address pattern is slow on megabytes of text.
  email: optional(
    z
      .string()
      .max(EMAIL_MAX_LENGTH, `must be at most ${EMAIL_MAX_LENGTH} characters`)
      .pipe(z.email("must be an email address")),
  ),
  phone: optional(z.string().regex(/^\+[1-9]\d{1,14}$/, "must be an E.164 number such as +14155550123")),
  firstName: optional(z.string().max(255)),
  lastName: optional(z.string().max(255)),
  tier: optional(z.string().max(255)),
  timezone: optional(timeZoneSchema),
  attributes: optional(customAttributesSchema),
  tags: optional(z.array(z.string().trim().min(1, "must not be empty").max(255)).max(1000)),
  identified: optional(z.boolean()),
});

builder.queryField("customer", (t) =>
  t.field({
    type: CustomerRef,
    nullable: true,
    description: "ADMIN: one customer of the caller's account; null when it does not exist or was deleted",
    authScopes: { admin: true },
    args: { customerId: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const account = callerAccount(context);
      const customerId = parseArgument(customerIdSchema, String(args.customerId), "customerId");
      return (await context.services.customers.get(account, customerId)) ?? null;
    },
  }),
);

builder.mutationFields((t) => ({
  upsertCustomer: t.field({
    type: AckRef,
    description: "ADMIN: creates or updates a customer's profile",
    authScopes: { admin: true },
    args: { input: t.arg({ type: CustomerInputRef, required: true }) },
    resolve: (_root, args, context) => {
      const account = callerAccount(context);
      const { customerId, ...profile } = parseArgument(customerInputSchema, args.input, "input");
      const consent = args.input.consent ? consentPatch(args.input.consent) : undefined;
      return ingesting(
        () => "input",
        async () =>
          ack(
            await context.services.publisher.publish([
              { type: "customer.upsert", data: { ...profile, consent }, metadata: { account, customerId } },
            ]),
          ),
      );
    },
  }),
  deleteCustomer: t.field({
    type: AckRef,
    description: "ADMIN: deletes a customer and all its data",
    authScopes: { admin: true },
    args: { customerId: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => {
      const account = callerAccount(context);
      const customerId = parseArgument(customerIdSchema, String(args.customerId), "customerId");
      return ingesting(
        () => "customerId",
        async () =>
          ack(
            await context.services.publisher.publish([
              { type: "customer.delete", data: {}, metadata: { account, customerId } },
            ]),
          ),
      );
    },
  }),
}));
