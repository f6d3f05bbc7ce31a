import type { IngestCommandDraft } from "../../model/index.ts";
import type { CommandPublisher } from "../../streams/index.ts";

/** Commands go to INGEST in batches of this many, each batch awaited before the next. */
export const COMMAND_BATCH = 500;

export type CommandBatcher = {
  add: (draft: IngestCommandDraft) => Promise<void>;
  /** Sends what is left; returns how many commands were sent in all. */
  flush: () => Promise<number>;
  sent: () => number;
};

/**
 * Sends an audience run's commands in bounded batches, so a run over millions of customers holds
 * one batch at a time; `onBatch` reports progress (and keeps the run's lock and job alive).
 */
export function createCommandBatcher(
  publisher: CommandPublisher,
  onBatch: (sent: number) => Promise<void>,
  size = COMMAND_BATCH,
): CommandBatcher {
  let batch: IngestCommandDraft[] = [];
  let sent = 0;
  const send = async () => {
    if (batch.length === 0) return;
    const drafts = batch;
    batch = [];
    await publisher.publish(drafts);
    sent += drafts.length;
    await onBatch(sent);
  };
  return {
    async add(draft) {
      batch.push(draft);
      if (batch.length >= size) await send();
    },
    async flush() {
      await send();
      return sent;
    },
    sent: () => sent,
  };
}
