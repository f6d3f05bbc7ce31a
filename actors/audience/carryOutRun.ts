import type { Db } from "mongodb";
import type { Logger } from "pino";
import { ClientFacingError, type IngestCommandDraft } from "../../model/index.ts";
import {
  compileRule,
  matchesFilter,
  type Rule,
  ruleBoundsProblem,
  rulePaths,
  validateRule,
} from "../../rules/index.ts";
import {
  type AudienceDocument,
  type AudienceMembers,
  type AudienceRunDocument,
  type AudienceRuns,
  type Audiences,
  CUSTOMERS_COLLECTION,
  type CustomerDocument,
} from "../../store/index.ts";
import type { AudienceRunJob, CommandPublisher } from "../../streams/index.ts";
import { type CommandBatcher, createCommandBatcher } from "./commandBatcher.ts";
import { reportFailure } from "./reportFailure.ts";
import { STALLED_RUN_MS } from "./stalledRuns.ts";

/** How long a run holds its audience without renewing; renewed with every batch it sends. */
export const RUN_LOCK_MS = 60_000;

export type RunDependencies = {
  db: Db;
  /**
   * FerretDB v1 refuses `$elemMatch` over several fields, which event conditions compile to: on it,
   * rules that read events are evaluated here (with mingo, the very same filter) over the account's
   * customers. Everything else goes to the database.
   */
  isFerretDB: boolean;
  audiences: Audiences;
  runs: AudienceRuns;
  members: AudienceMembers;
  commands: CommandPublisher;
  finishRun: (runId: string) => Promise<void>;
  /** The customers who entered or left the audience in the facts CHANGES holds (see membershipHistory.ts). */
  customersWhoChangedMembership: (account: string, audienceId: string) => AsyncIterable<string>;
  /** Resolves once the member lists reflect every membership fact published so far. */
  membershipsTracked: (keepAlive: () => void) => Promise<void>;
  /** Tells JetStream the job is still being worked on. */
  keepAlive: () => void;
  now: () => Date;
  log: Logger;
};

/** `busy`: another run holds the audience; the job is retried later. */
export type RunVerdict = "sent" | "busy" | "skipped";

/**
 * Carries out a queued run up to the point where every command is sent; the membership tracker
 * counts the outcomes and `finishRun` closes it. Safe to repeat after a crash: command ids derive
 * from the run and the customer, so JetStream stores a resent command once; the customers an
 * earlier attempt asked are counted once (commandBatcher.ts), so the run ends when every one of
 * them has answered; and the customer actor decides each membership from its own state anyway.
 */
export async function carryOutRun(job: AudienceRunJob, deps: RunDependencies): Promise<RunVerdict> {
  const run = await deps.runs.byId(job.runId);
  if (run?.status !== "RUNNING") return "skipped";
  const audience = await deps.audiences.get(job.account, job.audienceId);
  if (!audience) {
    await deps.runs.finish(run._id, "FAILED", `audience ${job.audienceId} no longer exists`);
    return "skipped";
  }
  if (run.kind === "DELETE" && (await renameUnderWay(run, deps))) return "busy";
  const lockUntil = () => new Date(deps.now().getTime() + RUN_LOCK_MS);
  if (!(await deps.audiences.lock(audience._id, run._id, lockUntil()))) return "busy";

  const ledger = {
    asked: await deps.runs.askedCustomers(run._id),
    record: (customerIds: string[]) => deps.runs.recordAsked(run._id, customerIds),
  };
  const batcher = createCommandBatcher(
    deps.commands,
    async (sent) => {
      deps.keepAlive();
      await deps.audiences.lock(audience._id, run._id, lockUntil());
      await deps.runs.recordSent(run._id, sent, false);
    },
    ledger,
  );
  try {
    if (run.kind === "DELETE") await sendExits(audience, run, batcher, deps);
    else if (run.kind === "RENAME") await sendRenames(audience, run, job.previousName, batcher, deps);
    else if (run.kind === "PUSH_TOPIC") await sendPushTopicRefreshes(audience, run, batcher, deps);
    else await sendEvaluations(audience, run, batcher, deps);
  } catch (error) {
    const context = { account: run.account, audience: audience._id, run: run._id };
    await deps.runs.finish(run._id, "FAILED", reportFailure(deps.log, error, context, "audience run failed"));
    await deps.audiences.unlock(audience._id, run._id);
    return "sent";
  }
  await deps.runs.recordSent(run._id, await batcher.flush(), true);
  await deps.finishRun(run._id);
  return "sent";
}

/**
 * Whether a RENAME of the audience asked for before this run has yet to finish. A DELETE waits for
 * it: its exits unset only the audience's current name, and once the audience is gone a rename could
 * no longer unset the old one. One that has not moved for `STALLED_RUN_MS` (never queued, or stuck)
 * is not waited for.
 */
async function renameUnderWay(run: AudienceRunDocument, deps: RunDependencies): Promise<boolean> {
  const moving = deps.now().getTime() - STALLED_RUN_MS;
  return (await deps.runs.ofAudience(run.account, run.audienceId)).some(
    (other) =>
      other.kind === "RENAME" &&
      other.status === "RUNNING" &&
      other.startedAt <= run.startedAt &&
      (other.progressedAt ?? other.startedAt).getTime() > moving,
  );
}

/**
 * RECALCULATE and SWEEP: ask the database which customers match now, diff that against the current
 * members, and send `audience.evaluate` only where membership may differ: matching non-members
 * (RECALCULATE only: a sweep only removes) and members that no longer match.
 */
async function sendEvaluations(
  audience: AudienceDocument,
  run: AudienceRunDocument,
  batcher: CommandBatcher,
  deps: RunDependencies,
) {
  if (audience.kind !== "RULES")
    throw new ClientFacingError(`audience ${audience._id} is STATIC: it is never re-evaluated`);
  if (audience.deleting) throw new ClientFacingError(`audience ${audience._id} is being deleted`);
  const beyond = ruleBoundsProblem(audience.rules);
  if (beyond) throw new ClientFacingError(`the rule ${beyond}: change it with updateAudience`);
  const checked = validateRule(audience.rules);
  if (!checked.ok)
    throw new ClientFacingError(`audience ${audience._id} has an invalid rule: ${checked.errors.join("; ")}`);
  const rule = audience.rules;

  const members = new Set<string>();
  for await (const page of deps.members.customerIds(audience._id)) for (const id of page) members.add(id);

  const evaluate = (customerId: string) =>
    batcher.add({
      type: "audience.evaluate",
      id: { derived: `${run._id}:${customerId}` },
      data: { audienceId: audience._id, audienceName: audience.name, runId: run._id, rule },
      metadata: { account: run.account, customerId },
    });

  for await (const customerId of matchingCustomerIds(run.account, checked.rule, deps)) {
    const wasMember = members.delete(customerId);
    if (!wasMember && run.kind === "RECALCULATE") await evaluate(customerId);
  }
  for (const customerId of members) await evaluate(customerId);
}

/** The ids of the account's live customers the rule matches now, streamed from the store. */
async function* matchingCustomerIds(account: string, rule: Rule, deps: RunDependencies): AsyncGenerator<string> {
  const filter = compileRule(rule, deps.now());
  const customers = deps.db.collection<CustomerDocument>(CUSTOMERS_COLLECTION);
  const inMemory = deps.isFerretDB && rulePaths(rule).some((path) => path.startsWith("stats:"));
  if (!inMemory) {
    const cursor = customers.find(
      { $and: [{ account }, { deleted: false }, filter] },
      { projection: { customerId: 1 } },
    );
    for await (const customer of cursor) yield customer.customerId;
    return;
  }
  for await (const customer of customers.find({ account, deleted: false })) {
    if (matchesFilter(filter, customer)) yield customer.customerId;
  }
}

/**
 * DELETE: every member leaves, gathered from the member list page by page, once the list holds
 * everyone who entered before the audience was withdrawn from the catalog.
 */
async function sendExits(
  audience: AudienceDocument,
  run: AudienceRunDocument,
  batcher: CommandBatcher,
  deps: RunDependencies,
) {
  await sendToMembers(audience, batcher, deps, (customerId) => ({
    type: "membership.set",
    id: { derived: `${run._id}:${customerId}` },
    data: {
      audienceId: audience._id,
      audienceName: audience.name,
      runId: run._id,
      member: false,
      audienceDeleted: true,
    },
    metadata: { account: run.account, customerId },
  }));
}

/**
 * Sends a command to every member, gathered from the member list page by page (never all in
 * memory), once the list holds every membership fact published so far.
 */
async function sendToMembers(
  audience: AudienceDocument,
  batcher: CommandBatcher,
  deps: RunDependencies,
  commandFor: (customerId: string) => IngestCommandDraft,
) {
  await deps.membershipsTracked(deps.keepAlive);
  for await (const page of deps.members.customerIds(audience._id)) {
    for (const customerId of page) await batcher.add(commandFor(customerId));
  }
}

/**
 * RENAME: tells of the rename everyone who may hold the audience's old name at a destination: the
 * members, once the member list holds every membership fact published so far, and whoever entered
 * or left in the facts CHANGES still holds (7 days) — so also a member who left while the rename
 * was asked for, under either name, and one who entered under the old name. Each answers with its
 * membership, which destinations move to the new name.
 *
 * The new name is the audience's current one, so a run carried out after a later rename moves
 * straight to the latest name; a rename back to the same name moves nothing.
 */
async function sendRenames(
  audience: AudienceDocument,
  run: AudienceRunDocument,
  previousName: string | undefined,
  batcher: CommandBatcher,
  deps: RunDependencies,
) {
  if (!previousName) throw new ClientFacingError(`run ${run._id} is a RENAME without the previous name`);
  if (previousName === audience.name) return;
  await deps.membershipsTracked(deps.keepAlive);
  const customers = new Set<string>();
  for await (const page of deps.members.customerIds(audience._id)) for (const id of page) customers.add(id);
  for await (const id of deps.customersWhoChangedMembership(run.account, audience._id)) customers.add(id);
  for (const customerId of customers) {
    await batcher.add({
      type: "membership.rename",
      id: { derived: `${run._id}:${customerId}` },
      data: { audienceId: audience._id, previousName, audienceName: audience.name, runId: run._id },
      metadata: { account: run.account, customerId },
    });
  }
}

/**
 * PUSH_TOPIC: the audience's `pushTopic` was turned on or off; every member decides again which
 * of its tokens belong in the audience's topic.
 */
async function sendPushTopicRefreshes(
  audience: AudienceDocument,
  run: AudienceRunDocument,
  batcher: CommandBatcher,
  deps: RunDependencies,
) {
  await sendToMembers(audience, batcher, deps, (customerId) => ({
    type: "pushTopic.refresh",
    id: { derived: `${run._id}:${customerId}` },
    data: { audienceId: audience._id, runId: run._id },
    metadata: { account: run.account, customerId },
  }));
}
