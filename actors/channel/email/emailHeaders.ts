import { createHash } from "node:crypto";
import type { MessageCategory } from "../../../model/index.ts";

/**
 * The `Message-ID` of a send: the same for every attempt of one send key, so a resend after a lost
 * answer is recognisable as the same message (receivers and our own logs can de-duplicate it).
 */
export function messageIdOf(sendKey: string, fromAddress: string): string {
  const domain = fromAddress.slice(fromAddress.lastIndexOf("@") + 1);
  return `<${createHash("sha256").update(sendKey).digest("hex")}@${domain}>`;
}

/**
 * One-click unsubscribe headers (RFC 8058, as bulk-sender rules ask) for marketing mail with an
 * unsubscribe link; transactional mail carries none, whatever the caller passes.
 */
export function unsubscribeHeaders(
  category: MessageCategory,
  unsubscribeUrl: string | undefined,
): Record<string, string> {
  if (category !== "MARKETING" || unsubscribeUrl === undefined) return {};
  return { "List-Unsubscribe": `<${unsubscribeUrl}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
}
