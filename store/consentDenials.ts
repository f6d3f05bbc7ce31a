import type { AnyBulkWriteOperation, Db } from "mongodb";
import { CONSENT_PURPOSES, type ConsentPurpose } from "../model/index.ts";

/**
 * Who denied each consent purpose, one small document per live customer and purpose denied,
 * keyed `<account>:<purpose>:<customerId>`. A destination's sync reads the ones of its account
 * and purpose when it starts (`customersDenying`): a range of `_id`s in this collection instead of
 * the customer documents, which hold a customer's whole state (12 KB each after a hundred events)
 * and which a store without an index on consent (FerretDB v1 decodes every document to filter)
 * scans at length: 13 s for 10,000 customers after a million events.
 *
 * The customer actor keeps it with the documents it writes (`denialWrites`), before them: a write
 * that fails after the denials were written is decided again from the older document, which
 * makes the same change, so the denials are never behind a stored document. Customers stored
 * before it existed are added once (`backfillConsentDenials` in customers.ts).
 */
export const CONSENT_DENIALS_COLLECTION = "consentDenials";

type DenialDocument = { _id: string; account: string; purpose: ConsentPurpose; customerId: string };

function denialKey(account: string, purpose: ConsentPurpose, customerId: string): string {
  return `${account}:${purpose}:${customerId}`;
}

/** What the denials are read from: a stored customer document, of any schema version. */
export type DenialSource = {
  account: string;
  customerId: string;
  deleted: boolean;
  consent?: Partial<Record<ConsentPurpose, string>>;
};

/** The purposes a stored customer has denied: none once deleted. */
export function deniedPurposes(document: DenialSource | undefined): ConsentPurpose[] {
  if (!document || document.deleted) return [];
  const { consent } = document;
  return CONSENT_PURPOSES.filter((purpose) => consent?.[purpose] === "DENIED");
}

/**
 * What keeps the collection in step with a customer's new document: a denial added for each
 * purpose it now denies and did not, removed for each it no longer denies. With `before`
 * unknown, every purpose is set as the document says.
 */
export function denialWrites(
  document: DenialSource,
  before: readonly ConsentPurpose[] | undefined,
): AnyBulkWriteOperation<DenialDocument>[] {
  const { account, customerId } = document;
  const after = deniedPurposes(document);
  const writes: AnyBulkWriteOperation<DenialDocument>[] = [];
  for (const purpose of CONSENT_PURPOSES) {
    const denies = after.includes(purpose);
    if (before !== undefined && denies === before.includes(purpose)) continue;
    const _id = denialKey(account, purpose, customerId);
    writes.push(
      denies
        ? { replaceOne: { filter: { _id }, replacement: { account, purpose, customerId }, upsert: true } }
        : { deleteOne: { filter: { _id } } },
    );
  }
  return writes;
}

/** Runs `writes` in commands of at most `size` (FerretDB's bound, see `CustomersOptions.writesPerCommand`). */
export async function writeDenials(
  db: Db,
  writes: AnyBulkWriteOperation<DenialDocument>[],
  size: number,
  beforeEachCommand?: () => void,
): Promise<void> {
  const collection = db.collection<DenialDocument>(CONSENT_DENIALS_COLLECTION);
  for (let start = 0; start < writes.length; start += size) {
    beforeEachCommand?.();
    await collection.bulkWrite(writes.slice(start, start + size), { ordered: false });
  }
}

/** The ids of an account's customers who denied `purpose`, as the collection holds them. */
export async function readDenials(db: Db, account: string, purpose: ConsentPurpose): Promise<string[]> {
  const prefix = denialKey(account, purpose, "");
  const found = db
    .collection<DenialDocument>(CONSENT_DENIALS_COLLECTION)
    .find({ _id: { $gte: prefix, $lt: `${prefix.slice(0, -1)};` } }, { projection: { customerId: 1 } });
  const ids: string[] = [];
  for await (const { customerId } of found) ids.push(customerId);
  return ids;
}

/** Where one-time changes of what the store holds record that they ran. */
const MIGRATIONS_COLLECTION = "storeMigrations";
const BACKFILL_ID = "consentDenials";

/** Whether the collection holds every stored customer's denials (the backfill ran to its end). */
export async function consentDenialsComplete(db: Db): Promise<boolean> {
  return (await db.collection<{ _id: string }>(MIGRATIONS_COLLECTION).findOne({ _id: BACKFILL_ID })) !== null;
}

/** Records that the backfill ran to its end: from then on the collection alone is read. */
export async function markConsentDenialsComplete(db: Db): Promise<void> {
  await db
    .collection<{ _id: string; at: Date }>(MIGRATIONS_COLLECTION)
    .updateOne({ _id: BACKFILL_ID }, { $set: { at: new Date() } }, { upsert: true });
}
