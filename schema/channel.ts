import { CHANNELS } from "../model/index.ts";
import { builder } from "./builder.ts";

export const ChannelRef = builder.enumType("Channel", {
  description: "Where a message is sent: an email, a push notification, a WhatsApp template, an in-app message",
  values: CHANNELS,
});
