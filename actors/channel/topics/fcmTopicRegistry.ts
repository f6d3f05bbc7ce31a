import type { Logger } from "pino";
import type { ChannelIntegrations } from "../channelIntegrations.ts";
import type { TopicTokenAnswer as FcmTokenAnswer } from "../push/classifyTopicAnswer.ts";
import { fcmTopicName } from "../push/fcmTopicName.ts";
import type { PushTopics } from "../push/pushTopics.ts";
import type { PushTopicRegistry, TopicAction, TopicTokenAnswer } from "./topicRegistry.ts";

/**
 * The push topic registry of the `channels` role: each account's FCM topics (Instance ID, with the
 * account's push settings), the audience's topic named by `fcmTopicName`. An account without push
 * settings refuses every token for good (logged); settings FCM refuses (`misconfigured`) hold the
 * change, to be tried again once they are fixed.
 */
export function fcmTopicRegistry(integrations: ChannelIntegrations<PushTopics>, log: Logger): PushTopicRegistry {
  const call = async (action: TopicAction, account: string, audienceId: string, tokens: string[]) => {
    const integration = await integrations.of(account);
    if (!integration) {
      log.warn(
        { account, audience: audienceId, tokens: tokens.length },
        "push is not configured; topic change dropped",
      );
      return tokens.map((): TopicTokenAnswer => "failed");
    }
    const topic = fcmTopicName(account, audienceId);
    const answers = await integration.call(() => integration.sender[action](topic, tokens));
    const byToken = new Map(answers.map((answer) => [answer.token, answer]));
    return tokens.map((token) => registryAnswer(byToken.get(token)));
  };
  return {
    add: (account, audienceId, tokens) => call("add", account, audienceId, tokens),
    remove: (account, audienceId, tokens) => call("remove", account, audienceId, tokens),
  };
}

function registryAnswer(answer: FcmTokenAnswer | undefined): TopicTokenAnswer {
  switch (answer?.kind) {
    case "subscribed":
    case "unsubscribed":
      return "subscribed";
    case "deadToken":
    case "failed":
      return answer.kind;
    // No answer for the token, a transient failure, or credentials that may yet be fixed.
    default:
      return "retry";
  }
}
