import { randomBytes } from "node:crypto";

/** What one call is answered with; `errorCode` names a Cloud API error answer. */
export type Reply = { status: number; body: unknown; errorCode?: number };

/** The Cloud API error codes the fake answers with, by their documented titles. */
export const ERROR_CODES = {
  INVALID_PARAMETER: 100,
  ACCESS_TOKEN: 190,
  RATE_LIMIT_HIT: 130429,
  SOMETHING_WENT_WRONG: 131000,
  MESSAGE_UNDELIVERABLE: 131026,
  RE_ENGAGEMENT: 131047,
  HEALTHY_ECOSYSTEM: 131049,
  MARKETING_STOPPED: 131050,
  UNSUPPORTED_MESSAGE_TYPE: 131051,
  PAIR_RATE_LIMIT: 131056,
  PARAMETER_COUNT: 132000,
  TEMPLATE_MISSING: 132001,
} as const;

type Catalogued = { title: string; details: string; status: number };

/** Titles are Meta's; the details are the fake's own wording of what the documentation says. */
const CATALOGUE: Record<number, Catalogued> = {
  100: { title: "Invalid parameter", details: "Invalid parameter", status: 400 },
  190: { title: "Invalid OAuth access token", details: "", status: 401 },
  130429: {
    title: "Rate limit hit",
    details: "Cloud API message throughput has been reached.",
    status: 400,
  },
  131000: { title: "Something went wrong", details: "Something went wrong", status: 500 },
  131026: {
    title: "Message Undeliverable",
    details: "Message failed to send: the recipient is not on WhatsApp or cannot receive it.",
    status: 400,
  },
  131047: {
    title: "Re-engagement message",
    details:
      "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    status: 400,
  },
  131049: {
    title: "This message was not delivered to maintain healthy ecosystem engagement.",
    details: "Meta chose not to deliver this marketing message.",
    status: 400,
  },
  131050: {
    title:
      "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business",
    details: "The user stopped marketing messages from this business.",
    status: 400,
  },
  131051: { title: "Unsupported message type", details: "Unsupported message type.", status: 400 },
  131056: {
    title: "(Business Account, Consumer Account) pair rate limit hit",
    details:
      "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.",
    status: 400,
  },
  132000: {
    title: "Number of parameters does not match the expected number of params",
    details: "",
    status: 400,
  },
  132001: { title: "Template name does not exist in the translation", details: "", status: 400 },
};

export type GraphErrorInput = {
  code: number;
  /** Default: the code's catalogued details. */
  details?: string;
  /** Default: the code's catalogued status (400 for a code the fake does not know). */
  status?: number;
  /** Default: the code's title. */
  title?: string;
  /** The whole message, for the errors Graph words without the `(#code) ` prefix. */
  message?: string;
  subcode?: number;
};

/** Graph's error shape: `{error: {message: "(#code) title", type, code, error_data, fbtrace_id}}`. */
export function graphError(input: GraphErrorInput): Reply {
  const known = CATALOGUE[input.code];
  const title = input.title ?? known?.title ?? "Error";
  const details = input.details ?? known?.details ?? "";
  const error: Record<string, unknown> = {
    message: input.message ?? `(#${input.code}) ${title}`,
    type: "OAuthException",
    code: input.code,
  };
  if (details !== "") error.error_data = { messaging_product: "whatsapp", details };
  if (input.subcode !== undefined) error.error_subcode = input.subcode;
  error.fbtrace_id = randomBytes(12).toString("base64url");
  return { status: input.status ?? known?.status ?? 400, body: { error }, errorCode: input.code };
}
