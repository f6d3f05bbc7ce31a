import type { ProviderAnswer } from "../providerAnswer.ts";
import { isNoAnswer } from "../providerHttp.ts";
import {
  classifyTopicAnswer,
  everyToken,
  type TopicCallAnswer,
  type TopicChange,
  type TopicTokenAnswer,
} from "./classifyTopicAnswer.ts";
import type { FcmAccessTokens } from "./fcmAccessToken.ts";
import { createFcmCall, type FcmCallOutcome } from "./fcmCall.ts";

export type FcmTopicClient = {
  /** Subscribes the tokens to the topic (its bare name): an answer per token, in input order. */
  add(topic: string, tokens: string[]): Promise<TopicTokenAnswer[]>;
  /** Unsubscribes the tokens from the topic: an answer per token, in input order. */
  remove(topic: string, tokens: string[]): Promise<TopicTokenAnswer[]>;
};

export type FcmTopicClientOptions = {
  tokens: FcmAccessTokens;
  /** Where `/iid/v1:batchAdd` is called: `https://iid.googleapis.com`, or a fake. */
  instanceIdUrl: string;
  timeoutMs: number;
  now: () => number;
  /** Tokens a call names; default 1,000, the most the Admin SDK sends. */
  maxTokensPerCall?: number;
};

const ACTIONS: Record<TopicChange, string> = { subscribed: "batchAdd", unsubscribed: "batchRemove" };

/**
 * FCM topic subscriptions through the Instance ID API, in calls of at most `maxTokensPerCall`
 * tokens, one after another. Once a call is throttled, unanswered or refused as a whole, the
 * tokens of the calls after it get the same answer without being sent: the caller retries them
 * together.
 */
export function createFcmTopicClient(options: FcmTopicClientOptions): FcmTopicClient {
  const call = createFcmCall(options.tokens, options.timeoutMs);
  const base = options.instanceIdUrl.replace(/\/+$/, "");
  const most = options.maxTokensPerCall ?? 1000;

  const send = async (change: TopicChange, topic: string, part: string[]) => {
    const body = JSON.stringify({ to: `/topics/${topic}`, registration_tokens: part });
    const outcome = await call(`${base}/iid/v1:${ACTIONS[change]}`, body, { access_token_auth: "true" });
    return answerOf(outcome, part, change, options.now());
  };
  const change = async (change: TopicChange, topic: string, tokens: string[]) => {
    const answers: TopicTokenAnswer[] = [];
    let stopped: TopicCallAnswer | undefined;
    for (let start = 0; start < tokens.length; start += most) {
      const part = tokens.slice(start, start + most);
      const answer = stopped ?? (await send(change, topic, part));
      if (Array.isArray(answer)) {
        answers.push(...answer);
        continue;
      }
      if (answer.kind !== "failed") stopped = answer;
      answers.push(...everyToken(part, answer));
    }
    return answers;
  };
  return {
    add: (topic, tokens) => change("subscribed", topic, tokens),
    remove: (topic, tokens) => change("unsubscribed", topic, tokens),
  };
}

function answerOf(
  outcome: FcmCallOutcome,
  tokens: string[],
  change: TopicChange,
  nowMs: number,
): TopicTokenAnswer[] | TopicCallAnswer {
  if ("refused" in outcome) return callAnswerOf(outcome.refused);
  // A topic change is idempotent: one that may have been applied is simply made again.
  if (isNoAnswer(outcome)) return { kind: "retry", reason: `Instance ID: ${outcome.reason}` };
  return classifyTopicAnswer(outcome, tokens, change, nowMs);
}

/** No access token to call with: the exchange is retried or the credentials are refused. */
function callAnswerOf(refused: ProviderAnswer): TopicCallAnswer {
  if (refused.kind === "retry" || refused.kind === "misconfigured") return refused;
  return { kind: "failed", reason: "reason" in refused ? refused.reason : "no access token" };
}
