import type { ProviderAnswer } from "../providerAnswer.ts";
import { callProvider, type HttpAnswer, type NoAnswer } from "../providerHttp.ts";
import { fcmErrorCode } from "./classifyFcmAnswer.ts";
import type { FcmAccessTokens } from "./fcmAccessToken.ts";

/** A Google call's outcome: its answer, no answer, or no access token to make it with. */
export type FcmCallOutcome = HttpAnswer | NoAnswer | { refused: ProviderAnswer };

/** One POST of JSON to a Google messaging API with the account's bearer token. */
export type FcmCall = (url: string, body: string, headers?: Record<string, string>) => Promise<FcmCallOutcome>;

/**
 * Calls with the cached OAuth token, exchanging it again and calling once more when Google answers
 * 401 without an FcmError (THIRD_PARTY_AUTH_ERROR is the APNs key's, not our token's).
 */
export function createFcmCall(tokens: FcmAccessTokens, timeoutMs: number): FcmCall {
  const post = async (
    url: string,
    body: string,
    headers: Record<string, string>,
    refreshed: boolean,
  ): Promise<FcmCallOutcome> => {
    const token = await tokens.get();
    if ("refused" in token) return token;
    const outcome = await callProvider(url, {
      headers: {
        ...headers,
        authorization: `Bearer ${token.token}`,
        "content-type": "application/json; charset=utf-8",
      },
      body,
      timeoutMs,
    });
    if ("status" in outcome && outcome.status === 401 && fcmErrorCode(outcome.body) === undefined && !refreshed) {
      tokens.invalidate();
      return post(url, body, headers, true);
    }
    return outcome;
  };
  return (url, body, headers = {}) => post(url, body, headers, false);
}
