import type { JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { JourneyChangedData } from "../../model/index.ts";
import type { JourneyStatsRepository, Journeys, JourneyVersionDocument } from "../../store/index.ts";
import { decodeFact, followFactsInOrder, type NatsLink, type OrderedFacts } from "../../streams/index.ts";
import { countJourneyChanges } from "./journeyCounts.ts";

export const JOURNEY_STATS_TRACKER = "journey-stats-tracker";

export type JourneyStatsTrackerDependencies = {
  link: NatsLink;
  journeys: Journeys;
  stats: JourneyStatsRepository;
  log: Logger;
};

type JourneyChanges = { account: string; changes: { seq: number; data: JourneyChangedData }[] };

/**
 * Follows the `journey.changed` facts on CHANGES and keeps each journey's counters: facts at or
 * below the journey's `countedSeq` were counted already and are skipped, so a redelivered batch
 * counts once.
 */
export function startJourneyStatsTracker(deps: JourneyStatsTrackerDependencies): Promise<OrderedFacts> {
  return followFactsInOrder(
    deps.link,
    JOURNEY_STATS_TRACKER,
    "chg.*.journey",
    (messages) => countBatch(messages, deps),
    deps.log,
  );
}

async function countBatch(messages: JsMsg[], deps: JourneyStatsTrackerDependencies) {
  const byJourney = new Map<string, JourneyChanges>();
  for (const message of messages) {
    try {
      const fact = decodeFact(message.data);
      if (fact.type !== "journey.changed") continue;
      const journey = byJourney.get(fact.data.journeyId) ?? { account: fact.metadata.account, changes: [] };
      journey.changes.push({ seq: message.seq, data: fact.data });
      byJourney.set(fact.data.journeyId, journey);
    } catch (error) {
      deps.log.error({ err: error, seq: message.seq, subject: message.subject }, "unreadable journey fact skipped");
    }
  }
  for (const [journeyId, { account, changes }] of byJourney) {
    const countedSeq = await deps.stats.countedSeq(journeyId);
    const fresh = changes.filter((change) => change.seq > countedSeq).map((change) => change.data);
    const throughSeq = Math.max(...changes.map((change) => change.seq));
    if (fresh.length === 0) continue;
    const versions = await versionsOf(deps, account, journeyId, fresh);
    const delta = countJourneyChanges(fresh, (change, stepId) => {
      const steps = versions.get(change.version)?.definition.steps as Record<string, { type?: unknown }> | undefined;
      return String(steps?.[stepId]?.type ?? "unknown");
    });
    if (!(await deps.stats.add(journeyId, account, delta, countedSeq, throughSeq))) {
      throw new Error(`journey ${journeyId}: its counters moved while this batch was counted; counting it again`);
    }
  }
}

/** The versions the changes happened in, read once each, to name their steps' types. */
async function versionsOf(
  deps: JourneyStatsTrackerDependencies,
  account: string,
  journeyId: string,
  changes: JourneyChangedData[],
): Promise<Map<number, JourneyVersionDocument>> {
  const versions = new Map<number, JourneyVersionDocument>();
  for (const version of new Set(changes.map((change) => change.version))) {
    const found = await deps.journeys.version(account, journeyId, version);
    if (found) versions.set(version, found);
    else deps.log.warn({ account, journey: journeyId, version }, "journey version not found; its steps' types unknown");
  }
  return versions;
}
