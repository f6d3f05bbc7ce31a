import { describe, expect, it } from "vitest";
import { createTopicBatcher, type TopicBatch, type TopicPart } from "../../../../actors/channel/topics/topicBatcher.ts";

/** A batcher whose window timers run only when the test says. */
function batcherByHand(maxTokens = 1_000) {
  const flushed: TopicBatch[] = [];
  const timers: (() => void)[] = [];
  const batcher = createTopicBatcher<TopicPart>({
    windowMs: 200,
    maxTokens,
    flush: async (batch) => {
      flushed.push(batch);
    },
    setTimer: (run) => {
      timers.push(run);
      return () => timers.splice(timers.indexOf(run), 1);
    },
  });
  return {
    batcher,
    flushed,
    windowEnds: () => {
      for (const run of [...timers]) run();
    },
  };
}

const part = (customerId: string, tokens: string[], action: "add" | "remove" = "add", audienceId = "aud-1") => ({
  account: "acme",
  audienceId,
  action,
  customerId,
  tokens,
  factId: `acme:${customerId}:0`,
});
const tokensOf = (batch: TopicBatch) => batch.parts.flatMap((p) => p.tokens);

describe("the topic batcher", () => {
  it("holds parts until the window ends, then calls once per audience and action", () => {
    const { batcher, flushed, windowEnds } = batcherByHand();
    batcher.add(part("c1", ["a"]));
    batcher.add(part("c2", ["b"]));
    batcher.add(part("c3", ["c"], "remove"));
    batcher.add(part("c4", ["d"], "add", "aud-2"));
    expect(flushed).toEqual([]);
    windowEnds();
    expect(flushed.map((batch) => [batch.audienceId, batch.action, tokensOf(batch)])).toEqual([
      ["aud-1", "add", ["a", "b"]],
      ["aud-1", "remove", ["c"]],
      ["aud-2", "add", ["d"]],
    ]);
  });

  it("calls as soon as a batch is full, never past the limit, and keeps a part whole", () => {
    const { batcher, flushed, windowEnds } = batcherByHand(4);
    batcher.add(part("c1", ["a", "b", "c"]));
    batcher.add(part("c2", ["d", "e"]));
    expect(flushed.map(tokensOf)).toEqual([["a", "b", "c"]]);
    batcher.add(part("c3", ["f", "g"]));
    expect(flushed.map(tokensOf)).toEqual([
      ["a", "b", "c"],
      ["d", "e", "f", "g"],
    ]);
    windowEnds();
    expect(flushed).toHaveLength(2);
  });
});
