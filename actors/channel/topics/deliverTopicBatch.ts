import type { Logger } from "pino";
import type { CommandPublisher } from "../../../streams/index.ts";
import type { TopicBatch, TopicPart } from "./topicBatcher.ts";
import type { PushTopicRegistry, TopicTokenAnswer } from "./topicRegistry.ts";

/** What became of one part: done (its message may be acked), or to be tried again later. */
export type TopicPartOutcome = "done" | "retry";

export type TopicBatchDependencies = {
  registry: PushTopicRegistry;
  /** Where a dead token's `device.unregister` goes: the customer's actor removes it. */
  commands: CommandPublisher;
  log: Logger;
};

/**
 * One call for a batch of customers' tokens, and what follows from the answers: a dead token is
 * removed from its customer (`device.unregister` through INGEST, as a dead-token send answer
 * does), a token refused for good is logged and left, and a part with any token to try again, or
 * whose call or removals did not go through, is `retry`. One outcome per part, in order.
 */
export async function deliverTopicBatch(batch: TopicBatch, deps: TopicBatchDependencies): Promise<TopicPartOutcome[]> {
  const { account, audienceId, action, parts } = batch;
  const tokens = parts.flatMap((part) => part.tokens);
  let answers: TopicTokenAnswer[];
  try {
    answers = await deps.registry[action](account, audienceId, tokens);
  } catch (error) {
    deps.log.warn({ err: error, account, audience: audienceId, action, tokens: tokens.length }, "topic call failed");
    return parts.map(() => "retry");
  }
  let offset = 0;
  const answered = parts.map((part) => {
    const own = part.tokens.map((_, i) => answers[offset + i] ?? "retry");
    offset += part.tokens.length;
    return { part, answers: own };
  });
  const failed = answered.flatMap(({ part, answers }) => part.tokens.filter((_, i) => answers[i] === "failed"));
  if (failed.length > 0) {
    deps.log.warn({ account, audience: audienceId, action, tokens: failed.length }, "topic refused tokens for good");
  }
  const removed = await removeDeadTokens(answered, deps);
  return answered.map(({ answers }) => {
    if (answers.includes("retry")) return "retry";
    return answers.includes("deadToken") && !removed ? "retry" : "done";
  });
}

/** Whether every dead token's removal was stored in INGEST (true when there were none). */
async function removeDeadTokens(
  answered: { part: TopicPart; answers: TopicTokenAnswer[] }[],
  deps: TopicBatchDependencies,
): Promise<boolean> {
  const commands = answered.flatMap(({ part, answers }) =>
    part.tokens
      .filter((_, i) => answers[i] === "deadToken")
      .map((token) => ({
        type: "device.unregister" as const,
        // One removal per token and topic change, however often the change is delivered again.
        id: { derived: `topic-dead-token:${part.factId}:${token}` },
        data: { token },
        metadata: { account: part.account, customerId: part.customerId },
      })),
  );
  if (commands.length === 0) return true;
  try {
    await deps.commands.publish(commands);
    return true;
  } catch (error) {
    deps.log.warn({ err: error, tokens: commands.length }, "dead topic tokens not removed; tried again later");
    return false;
  }
}
