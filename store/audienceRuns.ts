import type { Db } from "mongodb";
import type { AudienceRun, RunStatus } from "../model/index.ts";
import { isDuplicateKey } from "./duplicateKey.ts";

/** At most this many error lines are kept on a run; `errorCount` counts them all. */
export const MAX_RUN_ERRORS = 1_000;

/** One audience run, as stored. */
export type AudienceRunDocument = AudienceRun;

export type RunOutcomes = { entered: number; exited: number; unchanged: number };

export type AudienceRuns = {
  /** Creates a RUNNING run; false when a run with this id exists (a sweep another process started). */
  create: (run: Pick<AudienceRunDocument, "_id" | "account" | "audienceId" | "kind">) => Promise<boolean>;
  get: (account: string, id: string) => Promise<AudienceRunDocument | undefined>;
  byId: (id: string) => Promise<AudienceRunDocument | undefined>;
  /** The audience's runs, newest first. */
  ofAudience: (account: string, audienceId: string) => Promise<AudienceRunDocument[]>;
  /** Records customers a run is about to ask (audience/commandBatcher.ts), before it asks them. */
  recordAsked: (id: string, customerIds: string[]) => Promise<void>;
  /** Every customer the run recorded as asked, across its attempts. */
  askedCustomers: (id: string) => Promise<Set<string>>;
  /** Sets how many commands the run has sent so far, and whether it is done sending. */
  recordSent: (id: string, total: number, sendingDone: boolean) => Promise<void>;
  addErrors: (id: string, errors: string[]) => Promise<void>;
  /** Adds outcomes counted from facts up to CHANGES sequence `seq`. */
  addOutcomes: (id: string, outcomes: RunOutcomes, seq: number) => Promise<void>;
  /** RUNNING runs done sending whose answers have not moved since `before`. */
  stalled: (before: Date) => Promise<AudienceRunDocument[]>;
  /** Moves a RUNNING run to DONE or FAILED; false when it had already finished. */
  finish: (id: string, status: Exclude<RunStatus, "RUNNING">, error?: string) => Promise<boolean>;
};

export function audienceRunsRepository(db: Db, now: () => Date = () => new Date()): AudienceRuns {
  const collection = db.collection<AudienceRunDocument>("audienceRuns");
  /** Who each run asked, a page per batch: read back only when a run is carried out again. */
  const asked = db.collection<{ runId: string; customerIds: string[] }>("audienceRunAsked");
  return {
    async create(run) {
      try {
        await collection.insertOne({
          ...run,
          status: "RUNNING",
          total: 0,
          sendingDone: false,
          entered: 0,
          exited: 0,
          unchanged: 0,
          countedSeq: 0,
          errors: [],
          errorCount: 0,
          startedAt: now(),
          progressedAt: now(),
        });
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    },
    async get(account, id) {
      const run = await this.byId(id);
      return run && run.account === account ? run : undefined;
    },
    async byId(id) {
      return (await collection.findOne({ _id: id })) ?? undefined;
    },
    async ofAudience(account, audienceId) {
      const runs = await collection.find({ audienceId }).toArray();
      return runs
        .filter((run) => run.account === account)
        .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
    },
    async recordAsked(id, customerIds) {
      await asked.insertOne({ runId: id, customerIds });
    },
    async askedCustomers(id) {
      const customers = new Set<string>();
      for await (const page of asked.find({ runId: id }))
        for (const customerId of page.customerIds) customers.add(customerId);
      return customers;
    },
    async recordSent(id, total, sendingDone) {
      await collection.updateOne({ _id: id }, { $set: { total, sendingDone, progressedAt: now() } });
    },
    async addErrors(id, errors) {
      if (errors.length === 0) return;
      const run = await this.byId(id);
      const room = Math.max(0, MAX_RUN_ERRORS - (run?.errors.length ?? 0));
      await collection.updateOne(
        { _id: id },
        { $push: { errors: { $each: errors.slice(0, room) } }, $inc: { errorCount: errors.length } },
      );
    },
    async addOutcomes(id, outcomes, seq) {
      await collection.updateOne(
        { _id: id },
        { $inc: outcomes, $max: { countedSeq: seq }, $set: { progressedAt: now() } },
      );
    },
    async stalled(before) {
      const running = await collection.find({ status: "RUNNING", sendingDone: true }).toArray();
      // Runs stored before `progressedAt` existed count from their start.
      return running.filter((run) => (run.progressedAt ?? run.startedAt).getTime() < before.getTime());
    },
    async finish(id, status, error) {
      const result = await collection.updateOne(
        { _id: id, status: "RUNNING" },
        {
          $set: { status, finishedAt: now() },
          ...(error ? { $push: { errors: error }, $inc: { errorCount: 1 } } : {}),
        },
      );
      await asked.deleteMany({ runId: id });
      return result.modifiedCount === 1;
    },
  };
}

/** True once every command the run sent has come back as a membership fact. */
export function isRunComplete(run: AudienceRunDocument): boolean {
  return run.sendingDone && run.entered + run.exited + run.unchanged >= run.total;
}
