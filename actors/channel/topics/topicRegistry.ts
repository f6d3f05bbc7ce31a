/**
 * What FCM answered for one token of a topic call: in the topic (or out of it, for a removal),
 * dead (`NOT_FOUND`, `INVALID_ARGUMENT`: the token is removed from its customer), to be tried
 * again later, or refused for good.
 */
export type TopicTokenAnswer = "subscribed" | "deadToken" | "retry" | "failed";

/** Whether tokens are put in a topic or taken out of it. */
export type TopicAction = "add" | "remove";

/**
 * Puts tokens in, or takes them out of, one push-topic audience's FCM topic, with the account's
 * own push settings: at most 1,000 tokens a call, one answer per token in the order given.
 * Throws when the call as a whole did not go through (then every token is tried again). The
 * channel wires the FCM topic client (Instance ID `batchAdd` / `batchRemove`, topic
 * `fcmTopicName(account, audienceId)`) behind it.
 */
export type PushTopicRegistry = {
  add: (account: string, audienceId: string, tokens: string[]) => Promise<TopicTokenAnswer[]>;
  remove: (account: string, audienceId: string, tokens: string[]) => Promise<TopicTokenAnswer[]>;
};

/** Most tokens in one Instance ID call (FCM's own limit). */
export const TOPIC_CALL_MAX_TOKENS = 1_000;
