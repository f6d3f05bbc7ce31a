import type { IngestCommandDraft } from "../../model/index.ts";
import type { CommandPublisher } from "../../streams/index.ts";

/** Commands go to INGEST in batches of this many, each batch awaited before the next. */
export const COMMAND_BATCH = 500;

export type CommandBatcher = {
  add: (draft: IngestCommandDraft) => Promise<void>;
  /** Sends what is left; returns how many customers were asked in all. */
  flush: () => Promise<number>;
  sent: () => number;
};

/**
 * The customers a run asked, across the attempts at carrying it out: an attempt after a crash
 * counts each customer once, whether the crashed attempt's last batch reached INGEST or not.
 */
export type AskedLedger = {
  /** Asked by earlier attempts; each newly asked customer is added. */
  asked: Set<string>;
  /** Records customers about to be asked, before their commands are published. */
  record: (customerIds: string[]) => Promise<void>;
};

/**
 * Sends an audience run's commands in bounded batches, so a run over millions of customers holds
 * one batch at a time; `onBatch` reports progress (and keeps the run's lock and job alive). With a
 * ledger, a customer an earlier attempt asked is asked again (the command id makes INGEST store it
 * once) but not counted again, and customers are recorded before they are asked: so the count is
 * of distinct customers asked, which the run's answers are matched against.
 */
export function createCommandBatcher(
  publisher: CommandPublisher,
  onBatch: (sent: number) => Promise<void>,
  ledger?: AskedLedger,
  size = COMMAND_BATCH,
): CommandBatcher {
  let batch: IngestCommandDraft[] = [];
  let sent = ledger?.asked.size ?? 0;
  const send = async () => {
    if (batch.length === 0) return;
    const drafts = batch;
    batch = [];
    if (ledger) {
      const fresh = drafts.map((draft) => draft.metadata.customerId).filter((id) => !ledger.asked.has(id));
      if (fresh.length > 0) await ledger.record(fresh);
      await publisher.publish(drafts);
      for (const id of fresh) ledger.asked.add(id);
      sent = ledger.asked.size;
    } else {
      await publisher.publish(drafts);
      sent += drafts.length;
    }
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
