import { TOPIC_CALL_MAX_TOKENS, type TopicAction } from "./topicRegistry.ts";

/** One customer's tokens to put in, or take out of, one audience's topic. */
export type TopicPart = {
  account: string;
  audienceId: string;
  action: TopicAction;
  customerId: string;
  tokens: string[];
  /** The id of the fact that asked for it: dead-token removals derive their ids from it. */
  factId: string;
};

/**
 * Parts of one (account, audience, action), their tokens together at most one call's worth
 * (unless a single part is larger: it goes alone).
 */
export type TopicBatch<P extends TopicPart = TopicPart> = {
  account: string;
  audienceId: string;
  action: TopicAction;
  parts: P[];
};

export type TopicBatcherOptions<P extends TopicPart> = {
  /** Called with each full or expired batch; its failures are the caller's to handle. */
  flush: (batch: TopicBatch<P>) => Promise<void>;
  /** How long the first part of a batch waits for others to join it. */
  windowMs: number;
  maxTokens?: number;
  /** Injected so a test moves time by hand. */
  setTimer?: (run: () => void, ms: number) => () => void;
};

export type TopicBatcher<P extends TopicPart> = {
  add: (part: P) => void;
  /** Flushes every batch still waiting and resolves once every flush has settled. */
  drain: () => Promise<void>;
};

const realTimer = (run: () => void, ms: number) => {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
};

/**
 * Gathers customers' topic changes into calls: per (account, audience, action), flushed when the
 * next part would take a batch past `maxTokens` tokens, or `windowMs` after its first part came.
 */
export function createTopicBatcher<P extends TopicPart>(options: TopicBatcherOptions<P>): TopicBatcher<P> {
  const maxTokens = options.maxTokens ?? TOPIC_CALL_MAX_TOKENS;
  const setTimer = options.setTimer ?? realTimer;
  const open = new Map<string, { batch: TopicBatch<P>; tokens: number; cancel: () => void }>();
  const flushing = new Set<Promise<void>>();

  const flush = (key: string) => {
    const current = open.get(key);
    if (!current) return;
    open.delete(key);
    current.cancel();
    const running = options.flush(current.batch).finally(() => flushing.delete(running));
    flushing.add(running);
  };

  return {
    add(part) {
      const key = JSON.stringify([part.account, part.audienceId, part.action]);
      const current = open.get(key);
      if (current && current.tokens + part.tokens.length > maxTokens) flush(key);
      const waiting = open.get(key);
      if (waiting) {
        waiting.batch.parts.push(part);
        waiting.tokens += part.tokens.length;
      } else {
        const batch: TopicBatch<P> = {
          account: part.account,
          audienceId: part.audienceId,
          action: part.action,
          parts: [part],
        };
        open.set(key, { batch, tokens: part.tokens.length, cancel: setTimer(() => flush(key), options.windowMs) });
      }
      if ((open.get(key)?.tokens ?? 0) >= maxTokens) flush(key);
    },
    async drain() {
      for (const key of [...open.keys()]) flush(key);
      await Promise.allSettled([...flushing]);
    },
  };
}
