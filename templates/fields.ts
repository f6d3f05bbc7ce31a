import type { TemplateContent } from "../model/index.ts";
import type { FieldKind } from "./engine.ts";

/** One Liquid string of a template's content: where it is (`email.subject`, `push.data.orderId`). */
export type LiquidField = { path: string; source: string; kind: FieldKind };

/** What becomes of each Liquid field: its rendered text, or the problem found in it. */
export type FieldVisitor = (field: LiquidField) => string;

/**
 * The content with each Liquid field replaced by what `visit` returns; every other field (a
 * WhatsApp template's name, a push TTL, in-app buttons) is kept as it is. The one list of which
 * fields are Liquid, shared by checking and rendering.
 */
export function mapLiquidFields(content: TemplateContent, visit: FieldVisitor): TemplateContent {
  const text = (path: string, source: string) => visit({ path, source, kind: "text" });
  const optional = (path: string, source: string | undefined) =>
    source === undefined ? undefined : text(path, source);
  const list = (path: string, sources: string[] | undefined) =>
    sources?.map((source, index) => text(`${path}[${index}]`, source));

  switch (content.channel) {
    case "EMAIL": {
      const { email } = content;
      return {
        channel: "EMAIL",
        email: {
          subject: text("email.subject", email.subject),
          html: email.html === undefined ? undefined : visit({ path: "email.html", source: email.html, kind: "html" }),
          text: optional("email.text", email.text),
        },
      };
    }
    case "PUSH": {
      const { push } = content;
      return {
        channel: "PUSH",
        push: {
          ...push,
          title: text("push.title", push.title),
          body: text("push.body", push.body),
          imageUrl: optional("push.imageUrl", push.imageUrl),
          deepLink: optional("push.deepLink", push.deepLink),
          data:
            push.data &&
            Object.fromEntries(
              Object.entries(push.data).map(([key, source]) => [key, text(`push.data.${key}`, source)]),
            ),
        },
      };
    }
    case "WHATSAPP": {
      const { whatsapp } = content;
      return {
        channel: "WHATSAPP",
        whatsapp: {
          ...whatsapp,
          bodyParameters: list("whatsapp.bodyParameters", whatsapp.bodyParameters),
          headerParameters: list("whatsapp.headerParameters", whatsapp.headerParameters),
        },
      };
    }
    case "IN_APP": {
      const { inApp } = content;
      return {
        channel: "IN_APP",
        inApp: {
          ...inApp,
          title: text("inApp.title", inApp.title),
          body: optional("inApp.body", inApp.body),
          imageUrl: optional("inApp.imageUrl", inApp.imageUrl),
        },
      };
    }
  }
}
