import { CHANNELS, MESSAGE_CATEGORIES } from "../model/index.ts";
import { builder } from "./builder.ts";

export const ChannelRef = builder.enumType("Channel", {
  description: "Where a message goes: EMAIL, PUSH, WHATSAPP, or IN_APP (shown inside the customer's app)",
  values: CHANNELS,
});

export const MessageCategoryRef = builder.enumType("MessageCategory", {
  description: "TRANSACTIONAL bypasses caps and quiet hours, never consent to the channel",
  values: MESSAGE_CATEGORIES,
});
