import { z } from "zod";
import { customerIdSchema, DEVICE_PLATFORMS, devicePlatformSchema } from "../model/index.ts";
import { AckRef, ack } from "./ack.ts";
import { builder } from "./builder.ts";
import { callerAccount } from "./context.ts";
import { ensureMayTouchCustomer } from "./customerAccess.ts";
import { ingesting, parseArgument } from "./errors.ts";

export const DevicePlatformRef = builder.enumType("DevicePlatform", { values: DEVICE_PLATFORMS });

const DeviceInputRef = builder.inputType("DeviceInput", {
  description: "A push token of a customer's device; a token belongs to one customer at a time",
  fields: (t) => ({
    customerId: t.id({ required: true }),
    token: t.string({ required: true }),
    platform: t.field({ type: DevicePlatformRef, required: true }),
    appId: t.string(),
  }),
});

const tokenSchema = z.string().trim().min(1, "must not be empty").max(4096, "must be at most 4096 characters");

const deviceSchema = z.object({
  customerId: customerIdSchema,
  token: tokenSchema,
  platform: devicePlatformSchema,
  appId: z
    .string()
    .max(255)
    .nullish()
    .transform((value) => value ?? undefined),
});

builder.mutationFields((t) => ({
  registerDevice: t.field({
    type: AckRef,
    description: "ADMIN or SDK: registers a push token for a customer (moving it from any other customer)",
    authScopes: { $any: { admin: true, sdk: true } },
    args: { input: t.arg({ type: DeviceInputRef, required: true }) },
    resolve: (_root, args, context) => {
      const account = callerAccount(context);
      const { customerId, ...device } = parseArgument(deviceSchema, args.input, "input");
      ensureMayTouchCustomer(context, customerId, "input.customerId");
      return ingesting(
        () => "input",
        async () =>
          ack(
            await context.services.publisher.publish([
              { type: "device.register", data: device, metadata: { account, customerId } },
            ]),
          ),
      );
    },
  }),
  unregisterDevice: t.field({
    type: AckRef,
    description: "ADMIN or SDK: removes a push token from a customer",
    authScopes: { $any: { admin: true, sdk: true } },
    args: { customerId: t.arg.id({ required: true }), token: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => {
      const account = callerAccount(context);
      const customerId = parseArgument(customerIdSchema, String(args.customerId), "customerId");
      const token = parseArgument(tokenSchema, args.token, "token");
      ensureMayTouchCustomer(context, customerId, "customerId");
      return ingesting(
        () => "token",
        async () =>
          ack(
            await context.services.publisher.publish([
              { type: "device.unregister", data: { token }, metadata: { account, customerId } },
            ]),
          ),
      );
    },
  }),
}));
