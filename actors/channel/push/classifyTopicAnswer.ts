import { z } from "zod";
import { type HttpAnswer, retryAfterMs } from "../providerHttp.ts";

/** Subscribing (Instance ID `batchAdd`) or unsubscribing (`batchRemove`) tokens. */
export type TopicChange = "subscribed" | "unsubscribed";

/** What a whole Instance ID call came to, when it gave no result per token. */
export type TopicCallAnswer =
  | { kind: "retry"; reason: string; afterMs?: number }
  | { kind: "failed"; reason: string }
  | { kind: "misconfigured"; reason: string };

/**
 * What became of one token in a topic change. `deadToken`: the caller removes the token from the
 * customer, as after a dead-token send. `retry`: the call may be repeated (after `afterMs`, from
 * `Retry-After`); topic changes are idempotent. `misconfigured`: the account's FCM credentials are
 * refused. `failed`: never for this token and topic.
 */
export type TopicTokenAnswer = { token: string } & (
  | { kind: TopicChange }
  | { kind: "deadToken"; reason: string }
  | TopicCallAnswer
);

const resultsSchema = z.object({
  results: z.array(z.object({ error: z.string().optional() })),
});
const errorSchema = z.object({ error: z.string(), message: z.string().optional() });

/** Instance ID's per-token codes: the token is unknown or malformed; its owner removes it. */
const DEAD_TOKEN_CODES = new Set(["NOT_FOUND", "INVALID_ARGUMENT"]);

/**
 * What an Instance ID `batchAdd`/`batchRemove` answer means: for each token of the call, from the
 * `results` of a 200 (in input order), else one answer for the whole call. A 401 is the access
 * token's: the caller refreshes it once before calling this.
 */
export function classifyTopicAnswer(
  answer: HttpAnswer,
  tokens: string[],
  change: TopicChange,
  nowMs: number,
): TopicTokenAnswer[] | TopicCallAnswer {
  const results = answer.status === 200 ? resultsSchema.safeParse(answer.body) : undefined;
  if (results?.success && results.data.results.length === tokens.length) {
    const perToken = results.data.results;
    return tokens.map((token, i) => tokenAnswer(token, perToken[i]?.error, change));
  }
  return wholeCallAnswer(answer, nowMs);
}

/** The same answer for every token of a call. */
export function everyToken(tokens: string[], answer: TopicCallAnswer): TopicTokenAnswer[] {
  return tokens.map((token) => ({ token, ...answer }));
}

function tokenAnswer(token: string, code: string | undefined, change: TopicChange): TopicTokenAnswer {
  if (code === undefined) return { token, kind: change };
  const reason = `Instance ID refused the token: ${code}`;
  if (DEAD_TOKEN_CODES.has(code)) return { token, kind: "deadToken", reason };
  // Google's own transient failure for this token alone.
  if (code === "INTERNAL") return { token, kind: "retry", reason };
  // TOO_MANY_TOPICS (the app instance is in 2,000 topics) and codes Google may add.
  return { token, kind: "failed", reason };
}

function wholeCallAnswer(answer: HttpAnswer, nowMs: number): TopicCallAnswer {
  const error = errorSchema.safeParse(answer.body);
  const said = error.success
    ? `${error.data.error}${error.data.message === undefined ? "" : `: ${error.data.message}`}`
    : JSON.stringify(answer.body);
  const reason = `Instance ID ${answer.status} ${said}`;
  if (answer.status === 429 || answer.status >= 500) {
    const afterMs = retryAfterMs(answer.headers.get("retry-after"), nowMs);
    return afterMs === undefined ? { kind: "retry", reason } : { kind: "retry", reason, afterMs };
  }
  // 401 after a fresh token, 403 (no messaging scope), 404 (not the Instance ID host).
  if (answer.status === 401 || answer.status === 403 || answer.status === 404) return { kind: "misconfigured", reason };
  // A 400 (a bad topic name, too many tokens) or a 200 without a result per token.
  return { kind: "failed", reason };
}
