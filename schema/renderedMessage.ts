import type { RenderedMessage } from "../templates/index.ts";
import { builder } from "./builder.ts";
import { MessageContentRef } from "./templateContent.ts";

export const RenderedMessageRef = builder.objectRef<RenderedMessage>("RenderedMessage").implement({
  description: "A template version rendered with a customer's data: every Liquid field replaced by its text",
  interfaces: [MessageContentRef],
  isTypeOf: () => true,
});
