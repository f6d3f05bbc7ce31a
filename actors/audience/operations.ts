import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { AudienceOperations, AudienceRunKind, MembershipChange } from "../../model/index.ts";
import {
  AudienceBusyError,
  type AudienceDocument,
  type AudienceMembers,
  AudienceNotFoundError,
  AudienceRequestRefusedError,
  type AudienceRunDocument,
  type AudienceRuns,
  type Audiences,
} from "../../store/index.ts";
import { type CommandPublisher, decodeFact, enqueueAudienceRun, type NatsLink, subjects } from "../../streams/index.ts";
import { RUN_LOCK_MS } from "./carryOutRun.ts";
import type { AudienceCatalogWriter } from "./catalog.ts";
import { createCommandBatcher } from "./commandBatcher.ts";
import { readCustomerIdBatches } from "./csvCustomerIds.ts";
import { publishAudience } from "./publishAudience.ts";
import { reportFailure } from "./reportFailure.ts";

export type AudienceOperationsDependencies = {
  link: NatsLink;
  audiences: Audiences;
  runs: AudienceRuns;
  members: AudienceMembers;
  catalog: AudienceCatalogWriter;
  commands: CommandPublisher;
  finishRun: (runId: string) => Promise<void>;
  now?: () => Date;
  log: Logger;
};

const newId = (prefix: string) => `${prefix}_${randomBytes(8).toString("hex")}`;

/**
 * The audience mutations behind the gateway: definitions go to MongoDB and then to the workers'
 * catalog; recalculations, sweeps and deletes are queued for the `audiences` role; an import is
 * read here, as it is uploaded, and sent to the customers directly.
 */
export function createAudienceOperations(deps: AudienceOperationsDependencies): AudienceOperations {
  const now = deps.now ?? (() => new Date());

  const existing = async (account: string, id: string): Promise<AudienceDocument> => {
    const audience = await deps.audiences.get(account, id);
    if (!audience || audience.deleting) throw new AudienceNotFoundError(id);
    return audience;
  };

  const queueRun = async (
    audience: AudienceDocument,
    kind: Exclude<AudienceRunKind, "IMPORT">,
    previousName?: string,
  ) => {
    const runId = newId("run");
    await deps.runs.create({ _id: runId, account: audience.account, audienceId: audience._id, kind });
    await enqueueAudienceRun(deps.link, {
      runId,
      account: audience.account,
      audienceId: audience._id,
      kind,
      ...(previousName ? { previousName } : {}),
    });
    return (await deps.runs.byId(runId)) as AudienceRunDocument;
  };

  return {
    async create(account, input) {
      const audience = await publishAudience(
        await deps.audiences.create({ _id: newId("aud"), account, ...input }),
        deps,
      );
      if (audience.kind === "RULES") await queueRun(audience, "RECALCULATE");
      return audience;
    },

    async update(account, id, input) {
      const current = await existing(account, id);
      if (input.kind !== current.kind) {
        throw new AudienceRequestRefusedError(`input.kind: an audience's kind cannot change (it is ${current.kind})`);
      }
      const changed = (await deps.audiences.update(account, id, {
        name: input.name,
        description: input.description,
        rules: input.rules,
        sweepSchedule: input.sweepSchedule ?? current.sweepSchedule,
        pushTopic: input.pushTopic ?? current.pushTopic ?? false,
      })) as AudienceDocument;
      // The workers decide facts under the new name from here on; the RENAME run then moves what
      // destinations hold under the old one.
      const updated = await publishAudience(changed, deps);
      if (updated.ruleVersion !== current.ruleVersion) await queueRun(updated, "RECALCULATE");
      if (input.name !== current.name) await queueRun(updated, "RENAME", current.name);
      // Members decide again once the catalog tells the workers (publishAudience, above).
      if ((updated.pushTopic ?? false) !== (current.pushTopic ?? false)) await queueRun(updated, "PUSH_TOPIC");
      return updated;
    },

    async recalculate(account, id) {
      const audience = await existing(account, id);
      if (audience.kind !== "RULES") {
        throw new AudienceRequestRefusedError(`audience ${id} is STATIC: only RULES audiences are recalculated`);
      }
      return queueRun(audience, "RECALCULATE");
    },

    async importMembers(account, id, csv) {
      const audience = await existing(account, id);
      if (audience.kind !== "STATIC") {
        throw new AudienceRequestRefusedError(
          `audience ${id} is RULES: members are imported into STATIC audiences only`,
        );
      }
      const runId = newId("run");
      const lockUntil = () => new Date(now().getTime() + RUN_LOCK_MS);
      if (!(await deps.audiences.lock(id, runId, lockUntil()))) throw new AudienceBusyError(id);
      await deps.runs.create({ _id: runId, account, audienceId: id, kind: "IMPORT" });
      const batcher = createCommandBatcher(deps.commands, async (sent) => {
        await deps.audiences.lock(id, runId, lockUntil());
        await deps.runs.recordSent(runId, sent, false);
      });
      try {
        for await (const batch of readCustomerIdBatches(csv)) {
          await deps.runs.addErrors(
            runId,
            batch.errors.map((error) => `line ${error.line}: ${error.message}`),
          );
          for (const { line, customerId } of batch.rows) {
            await batcher.add({
              type: "membership.set",
              id: { derived: `${runId}:${line}` },
              data: { audienceId: id, audienceName: audience.name, runId, member: true },
              metadata: { account, customerId },
            });
          }
        }
        await deps.runs.recordSent(runId, await batcher.flush(), true);
      } catch (error) {
        const reason = reportFailure(deps.log, error, { account, audience: id, run: runId }, "audience import failed");
        await deps.runs.recordSent(runId, batcher.sent(), true);
        await deps.runs.finish(runId, "FAILED", reason);
        await deps.audiences.unlock(id, runId);
        return (await deps.runs.byId(runId)) as AudienceRunDocument;
      }
      await deps.finishRun(runId);
      return (await deps.runs.byId(runId)) as AudienceRunDocument;
    },

    async delete(account, id) {
      const audience = await existing(account, id);
      await deps.audiences.markDeleting(account, id);
      await deps.catalog.withdraw(account, id);
      return queueRun({ ...audience, deleting: true }, "DELETE");
    },

    membershipChanges(account, audienceId, signal) {
      return followMembershipChanges(deps.link, account, audienceId, signal);
    },
  };
}

/** Membership changes as customer actors publish them, read live (core NATS) from CHANGES' subject. */
async function* followMembershipChanges(
  link: NatsLink,
  account: string,
  audienceId: string,
  signal: AbortSignal,
): AsyncGenerator<MembershipChange> {
  const subscription = link.nc.subscribe(subjects.change(account, `membership.${audienceId}`));
  const stop = () => subscription.unsubscribe();
  signal.addEventListener("abort", stop, { once: true });
  try {
    for await (const message of subscription) {
      const fact = decodeFact(message.data);
      if (fact.type !== "membership.changed") continue;
      const { customerId } = fact.metadata;
      yield { audienceId, customerId, change: fact.data.change, at: fact.data.at };
    }
  } finally {
    signal.removeEventListener("abort", stop);
    stop();
  }
}
