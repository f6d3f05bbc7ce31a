import { CONSENT_PURPOSES, CONSENT_VALUES, type ConsentPatch, customerIdSchema } from "../model/index.ts";
import { AckRef, ack } from "./ack.ts";
import { builder } from "./builder.ts";
import { callerAccount } from "./context.ts";
import { ingesting, parseArgument } from "./errors.ts";

export const ConsentRef = builder.enumType("Consent", {
  description: "Consent for one purpose; UNKNOWN until the customer says",
  values: CONSENT_VALUES,
});

export const ConsentInputRef = builder.inputType("ConsentInput", {
  description: "Consent per purpose; purposes left out keep their value",
  fields: (t) => Object.fromEntries(CONSENT_PURPOSES.map((purpose) => [purpose, t.field({ type: ConsentRef })])),
});

/** Drops purposes the client left out or set to null. */
export function consentPatch(input: Partial<Record<string, string | null | undefined>>): ConsentPatch {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value != null)) as ConsentPatch;
}

builder.mutationField("setConsent", (t) =>
  t.field({
    type: AckRef,
    description: "ADMIN: sets consent for some purposes of a customer",
    authScopes: { admin: true },
    args: {
      customerId: t.arg.id({ required: true }),
      consent: t.arg({ type: ConsentInputRef, required: true }),
    },
    resolve: (_root, args, context) => {
      const account = callerAccount(context);
      const customerId = parseArgument(customerIdSchema, String(args.customerId), "customerId");
      const data = consentPatch(args.consent);
      return ingesting(
        () => "consent",
        async () =>
          ack(
            await context.services.publisher.publish([
              { type: "consent.set", data, metadata: { account, customerId } },
            ]),
          ),
      );
    },
  }),
);
