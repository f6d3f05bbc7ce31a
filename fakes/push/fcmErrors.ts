import type { Reply } from "./http1.ts";

/** FCM's `FcmError.errorCode` values and the HTTP status each comes with. */
export const FCM_ERROR_STATUS = {
  INVALID_ARGUMENT: 400,
  UNREGISTERED: 404,
  SENDER_ID_MISMATCH: 403,
  QUOTA_EXCEEDED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
  THIRD_PARTY_AUTH_ERROR: 401,
} as const;

export type FcmErrorCode = keyof typeof FCM_ERROR_STATUS;
export const FCM_ERROR_CODES = Object.keys(FCM_ERROR_STATUS) as [FcmErrorCode, ...FcmErrorCode[]];

/** google.rpc canonical status names by HTTP status. */
const RPC_STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

/** The message FCM gives with each code; "inferred" ones are not quoted in FCM's documentation. */
export const FCM_ERROR_MESSAGE: Record<FcmErrorCode, string> = {
  INVALID_ARGUMENT: "Request contains an invalid argument.",
  UNREGISTERED: "Requested entity was not found.",
  SENDER_ID_MISMATCH: "SenderId mismatch",
  // inferred
  QUOTA_EXCEEDED: "Quota exceeded for the project's messaging rate.",
  UNAVAILABLE: "The service is currently unavailable.",
  INTERNAL: "Internal error encountered.",
  THIRD_PARTY_AUTH_ERROR: "Auth error from APNS or Web Push Service",
};

export const INVALID_TOKEN_MESSAGE = "The registration token is not a valid FCM registration token";
// inferred
export const TOO_BIG_MESSAGE = "Message is too big";
export const UNAUTHENTICATED_MESSAGE =
  "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";
export const INSUFFICIENT_SCOPES_MESSAGE = "Request had insufficient authentication scopes.";

/** An FCM send error: google.rpc shape with the FcmError detail clients branch on. */
export function fcmError(
  errorCode: FcmErrorCode,
  message = FCM_ERROR_MESSAGE[errorCode],
  headers?: Record<string, string>,
): Reply {
  const status = FCM_ERROR_STATUS[errorCode];
  const details = [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode }];
  return { status, body: { error: { code: status, message, status: RPC_STATUS[status], details } }, headers };
}

/** A google.rpc error without an FCM detail: authentication, permission, routing. */
export function rpcError(status: 401 | 403 | 404, message: string): Reply {
  return { status, body: { error: { code: status, message, status: RPC_STATUS[status] } } };
}
