import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Document } from "mongodb";
import type { CustomerFact } from "../model/index.ts";
import { CUSTOMERS_COLLECTION, type Store } from "../store/index.ts";
import { decodeFact, type NatsLink, STREAM_NAMES, subjects } from "../streams/index.ts";
import { customerOf } from "./load.ts";

/** Where the suite reads what happened: the store, the streams and the fake Braze's log. */
export type Witnesses = { store: Store; link: NatsLink; brazeUrl: string; account: string; integrationId: string };

/** Events missing or repeated, and where. */
export type Tally = { lost: number; duplicated: number; findings: string[] };

/** Every fact of the account on a CHANGES subject kind (`event`, `membership.<audience>`), in stream order. */
export async function readFacts(witnesses: Witnesses, kind: string): Promise<CustomerFact[]> {
  const filter = subjects.change(witnesses.account, kind);
  const jsm = await jetstreamManager(witnesses.link.nc);
  const info = await jsm.streams.info(STREAM_NAMES.changes, { subjects_filter: filter });
  const total = Object.values(info.state.subjects ?? {}).reduce((sum, count) => sum + count, 0);
  const facts: CustomerFact[] = [];
  if (total === 0) return facts;
  const consumer = await jetstream(witnesses.link.nc).consumers.get(STREAM_NAMES.changes, {
    filter_subjects: [filter],
  });
  while (facts.length < total) {
    const batch = await consumer.fetch({ max_messages: Math.min(total - facts.length, 5_000), expires: 5_000 });
    let received = 0;
    for await (const message of batch) {
      facts.push(decodeFact(message.data));
      received += 1;
    }
    if (received === 0) break;
  }
  return facts;
}

/** How many times the fake Braze received each of the load's events (by number). */
export async function brazeEventCounts(witnesses: Witnesses, prefix: string): Promise<Map<number, number>> {
  const answer = await fetch(`${witnesses.brazeUrl}/__fake/events`, { signal: AbortSignal.timeout(30_000) });
  const { events } = (await answer.json()) as {
    events: { externalId?: string; name: string; properties?: { n?: unknown } }[];
  };
  const counts = new Map<number, number>();
  for (const event of events) {
    const n = event.properties?.n;
    if (event.name !== "load" || typeof n !== "number" || !event.externalId?.startsWith(`${prefix}-`)) continue;
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return counts;
}

/** The `load` events the store counted for each of the load's customers. */
export async function storedEventCounts(witnesses: Witnesses, prefix: string, customers: number) {
  const ids = Array.from({ length: customers }, (_, i) => customerOf(prefix, customers, i));
  const documents = await witnesses.store.db
    .collection<Document>(CUSTOMERS_COLLECTION)
    .find({ account: witnesses.account, customerId: { $in: ids } }, { projection: { customerId: 1, stats: 1 } })
    .toArray();
  const counts = new Map<string, number>();
  for (const document of documents) {
    const stats = (document.stats ?? []) as { name: string; count: number }[];
    counts.set(String(document.customerId), stats.find((stat) => stat.name === "load")?.count ?? 0);
  }
  return counts;
}

/** Whether the integration's consumer has nothing left to send: every fact of CHANGES acked. */
export async function brazeCaughtUp(witnesses: Witnesses): Promise<boolean> {
  const jsm = await jetstreamManager(witnesses.link.nc);
  const info = await jsm.consumers.info(STREAM_NAMES.changes, `dest_${witnesses.integrationId}`);
  return info.num_pending === 0 && info.num_ack_pending === 0;
}

/**
 * Checks that every acknowledged event of a load was applied exactly once: counted once in its
 * customer's stats in the store, recorded once as a fact in CHANGES, and received once by Braze.
 * `lost` and `duplicated` are the worst of the three places; `findings` says which.
 */
export async function auditLoad(
  witnesses: Witnesses,
  load: { prefix: string; customers: number; events: ReadonlySet<number> },
): Promise<Tally> {
  const { prefix, customers, events } = load;
  const findings: string[] = [];

  const expected = new Map<string, number>();
  for (const n of events) {
    const customer = customerOf(prefix, customers, n);
    expected.set(customer, (expected.get(customer) ?? 0) + 1);
  }
  const stored = await storedEventCounts(witnesses, prefix, customers);
  let storeLost = 0;
  let storeExtra = 0;
  for (const [customer, count] of expected) {
    const got = stored.get(customer) ?? 0;
    storeLost += Math.max(0, count - got);
    storeExtra += Math.max(0, got - count);
  }

  const recorded = new Map<string, number>();
  for (const fact of await readFacts(witnesses, "event")) {
    if (
      fact.type !== "event.recorded" ||
      fact.data.name !== "load" ||
      !fact.metadata.customerId.startsWith(`${prefix}-`)
    )
      continue;
    recorded.set(fact.data.eventId, (recorded.get(fact.data.eventId) ?? 0) + 1);
  }
  const atBraze = await brazeEventCounts(witnesses, prefix);

  const missingFrom = { facts: 0, braze: 0 };
  const repeatedIn = { facts: 0, braze: 0 };
  for (const n of events) {
    const facts = recorded.get(`${prefix}-e-${n}`) ?? 0;
    const braze = atBraze.get(n) ?? 0;
    if (facts === 0) missingFrom.facts += 1;
    if (braze === 0) missingFrom.braze += 1;
    repeatedIn.facts += Math.max(0, facts - 1);
    repeatedIn.braze += Math.max(0, braze - 1);
  }
  const unasked = [...atBraze.keys()].filter((n) => !events.has(n)).length;
  if (storeLost || storeExtra) findings.push(`store: ${storeLost} events not counted, ${storeExtra} counted twice`);
  if (missingFrom.facts || repeatedIn.facts)
    findings.push(`CHANGES: ${missingFrom.facts} events without a fact, ${repeatedIn.facts} facts repeated`);
  if (missingFrom.braze || repeatedIn.braze || unasked)
    findings.push(
      `Braze: ${missingFrom.braze} events never received, ${repeatedIn.braze} received twice, ${unasked} never acknowledged`,
    );
  return {
    lost: Math.max(storeLost, missingFrom.facts, missingFrom.braze),
    duplicated: Math.max(storeExtra, repeatedIn.facts, repeatedIn.braze),
    findings,
  };
}
