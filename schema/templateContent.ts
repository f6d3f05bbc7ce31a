import type { EmailContent, InAppContent, PushContent, TemplateContent, WhatsAppContent } from "../model/index.ts";
import { builder } from "./builder.ts";
import { ChannelRef } from "./channel.ts";

/** A field left out of the content is null. */
const orNull = <T>(value: T | undefined): T | null => value ?? null;

export const EmailContentRef = builder.objectRef<EmailContent>("EmailContent").implement({
  description: "An email's subject and bodies",
  fields: (t) => ({
    subject: t.exposeString("subject"),
    html: t.string({ nullable: true, resolve: (email) => orNull(email.html) }),
    text: t.string({ nullable: true, resolve: (email) => orNull(email.text) }),
  }),
});

export const PushContentRef = builder.objectRef<PushContent>("PushContent").implement({
  description: "A push notification",
  fields: (t) => ({
    title: t.exposeString("title"),
    body: t.exposeString("body"),
    imageUrl: t.string({ nullable: true, resolve: (push) => orNull(push.imageUrl) }),
    data: t.field({ type: "JSON", nullable: true, resolve: (push) => orNull(push.data) }),
    deepLink: t.string({ nullable: true, resolve: (push) => orNull(push.deepLink) }),
    ttlSeconds: t.int({ nullable: true, resolve: (push) => orNull(push.ttlSeconds) }),
  }),
});

export const WhatsAppContentRef = builder.objectRef<WhatsAppContent>("WhatsAppContent").implement({
  description: "An approved WhatsApp template and its parameters",
  fields: (t) => ({
    templateName: t.exposeString("templateName"),
    language: t.exposeString("language"),
    bodyParameters: t.stringList({ nullable: true, resolve: (whatsapp) => orNull(whatsapp.bodyParameters) }),
    headerParameters: t.stringList({ nullable: true, resolve: (whatsapp) => orNull(whatsapp.headerParameters) }),
  }),
});

export const InAppContentRef = builder.objectRef<InAppContent>("InAppContent").implement({
  description: "An in-app message",
  fields: (t) => ({
    title: t.exposeString("title"),
    body: t.string({ nullable: true, resolve: (inApp) => orNull(inApp.body) }),
    imageUrl: t.string({ nullable: true, resolve: (inApp) => orNull(inApp.imageUrl) }),
    buttons: t.field({ type: "JSON", nullable: true, resolve: (inApp) => orNull(inApp.buttons) }),
    payload: t.field({ type: "JSON", nullable: true, resolve: (inApp) => orNull(inApp.payload) }),
    expiresInSeconds: t.int({ nullable: true, resolve: (inApp) => orNull(inApp.expiresInSeconds) }),
  }),
});

export const MessageContentRef = builder.interfaceRef<TemplateContent>("MessageContent").implement({
  description: "A message for one channel: of email, push, whatsapp and inApp, the one its channel names is set",
  fields: (t) => ({
    channel: t.field({ type: ChannelRef, resolve: (content) => content.channel }),
    email: t.field({
      type: EmailContentRef,
      nullable: true,
      resolve: (content) => (content.channel === "EMAIL" ? content.email : null),
    }),
    push: t.field({
      type: PushContentRef,
      nullable: true,
      resolve: (content) => (content.channel === "PUSH" ? content.push : null),
    }),
    whatsapp: t.field({
      type: WhatsAppContentRef,
      nullable: true,
      resolve: (content) => (content.channel === "WHATSAPP" ? content.whatsapp : null),
    }),
    inApp: t.field({
      type: InAppContentRef,
      nullable: true,
      resolve: (content) => (content.channel === "IN_APP" ? content.inApp : null),
    }),
  }),
});
