import type { IdentifiedMessage } from "./atomicPublish.ts";

export type GroupCommit = {
  /** Resolves once every message of the call is stored (with others' or alone), rejects if none is. */
  submit: (messages: IdentifiedMessage[]) => Promise<void>;
};

export type GroupCommitOptions = {
  /** Batches open at once; calls arriving while all are open wait for the next one. */
  width: number;
  /** Most messages one batch may hold (no call holds more). */
  maxMessages: number;
  /** Stores messages all or none, as one batch. */
  store: (messages: IdentifiedMessage[]) => Promise<void>;
};

type Waiting = { messages: IdentifiedMessage[]; settle: (error?: unknown) => void };

/**
 * Group commit for atomic batches. nats-server spends a few milliseconds opening and committing
 * each atomic batch, one batch at a time per stream, so small calls sent one batch each queue
 * behind one another under load. Here a call finding a batch free is sent at once, alone; calls
 * arriving while every batch is open wait, and the next batch to free up takes as many of them as
 * fit, in arrival order, so one batch's cost is shared by all of them. Each call still travels in
 * one batch: stored whole or not at all (a failed batch fails every call in it, for each to retry).
 * A message id repeated across the calls of one batch is sent once, as its first message.
 */
export function createGroupCommit(options: GroupCommitOptions): GroupCommit {
  const waiting: Waiting[] = [];
  let open = 0;

  const takeGroup = (): Waiting[] => {
    const group: Waiting[] = [];
    let size = 0;
    while (waiting.length > 0) {
      const next = waiting[0] as Waiting;
      if (group.length > 0 && size + next.messages.length > options.maxMessages) break;
      group.push(next);
      size += next.messages.length;
      waiting.shift();
    }
    return group;
  };

  const pump = () => {
    while (open < options.width && waiting.length > 0) {
      const group = takeGroup();
      const messages = new Map<string, IdentifiedMessage>();
      for (const call of group)
        for (const message of call.messages) if (!messages.has(message.msgId)) messages.set(message.msgId, message);
      open += 1;
      options
        .store([...messages.values()])
        .then(
          () => {
            for (const call of group) call.settle();
          },
          (error: unknown) => {
            for (const call of group) call.settle(error);
          },
        )
        .finally(() => {
          open -= 1;
          pump();
        });
    }
  };

  return {
    submit: (messages) =>
      new Promise<void>((resolve, reject) => {
        waiting.push({ messages, settle: (error) => (error === undefined ? resolve() : reject(error)) });
        pump();
      }),
  };
}
