import type { Db } from "mongodb";
import {
  type ActiveCustomer,
  CONSENT_PURPOSES,
  type ConsentPurpose,
  type CUSTOMER_SCHEMA_VERSION,
  type CustomerState,
  type DeletedCustomer,
  type Membership,
} from "../model/index.ts";
import {
  consentDenialsComplete,
  denialWrites,
  markConsentDenialsComplete,
  readDenials,
  writeDenials,
} from "./consentDenials.ts";
import { duplicateKeyIndexes } from "./duplicateKey.ts";
import type { Store } from "./mongo.ts";

/** Where customers live: one document per customer, keyed by `<account>:<customerId>`. */
export const CUSTOMERS_COLLECTION = "customers";

export function customerKey(account: string, customerId: string): string {
  return `${account}:${customerId}`;
}

/** Where a stored customer is kept, its write count, and how far its partition was applied to it. */
export type DocumentHeader = { _id: string; version: number; lastSeq: number };

/**
 * A customer's document as the actor writes it now: the customer machine's persisted state
 * (`status` and, while active, the whole state at the top level, so rules and reads query it
 * directly), plus `version` (bumped on every write), `lastSeq` (the last INGEST sequence applied,
 * so a redelivered command is skipped) and `deleted` (what every read filters on). A deleted
 * customer keeps only who it was and when it went, so a replay of its older commands cannot
 * bring it back.
 */
export type CurrentCustomerDocument = DocumentHeader & { schemaVersion: typeof CUSTOMER_SCHEMA_VERSION } & (
    | ({ deleted: false } & ActiveCustomer)
    | ({ deleted: true } & DeletedCustomer)
  );

/**
 * A document written by schema version 1, before the lifecycle was stored: a live customer
 * (without `memberships` if written before audiences existed) or a tombstone. The customer actor
 * migrates it when it loads it; reads take it as it is.
 */
export type CustomerDocumentV1 = DocumentHeader &
  (
    | ({ deleted: false; schemaVersion: 1; status?: undefined } & Omit<CustomerState, "memberships"> & {
          memberships?: Membership[];
        })
    | { deleted: true; schemaVersion?: undefined; account: string; customerId: string; deletedAt: string }
  );

/** A document as the store may hold it: of the current schema version or an older one. */
export type CustomerDocument = CurrentCustomerDocument | CustomerDocumentV1;
export type LiveCustomerDocument = Extract<CustomerDocument, { deleted: false }>;

/** Another writer changed these customers since they were read. */
export class VersionConflictError extends Error {
  override name = "VersionConflictError";
  readonly code = "VERSION_CONFLICT";
  readonly keys: string[];
  constructor(keys: string[]) {
    super(`customers changed by another writer: ${keys.slice(0, 5).join(", ")}${keys.length > 5 ? ", …" : ""}`);
    this.keys = keys;
  }
}

/**
 * A document to write and the version it was read at (0: it did not exist). The customer actor
 * writes documents of the current version; tests may seed older ones. `deniedBefore`: the
 * purposes the customer had denied as read (`deniedPurposes`), so that only a change of them
 * touches the consent denials (consentDenials.ts); without it, all of its denials are set again.
 */
export type CustomerWrite = {
  document: CustomerDocument;
  readVersion: number;
  deniedBefore?: readonly ConsentPurpose[];
};

export type Customers = {
  get: (account: string, customerId: string) => Promise<LiveCustomerDocument | undefined>;
  /** Loads many customers by key; missing ones are absent from the map. */
  loadMany: (keys: string[]) => Promise<Map<string, CustomerDocument>>;
  /**
   * Writes documents in one bulkWrite, each guarded by the version it was read at. Throws
   * VersionConflictError naming the customers another writer got to first.
   */
  writeMany: (writes: CustomerWrite[], options?: WriteManyOptions) => Promise<void>;
};

/** The ids of an account's stored customers, deleted ones included, after `after` in id order: at most `limit`. */
export type CustomerIdPages = (account: string, after: string | undefined, limit: number) => Promise<string[]>;

export function customerIdPages(db: Db): CustomerIdPages {
  const collection = db.collection<CustomerDocument>(CUSTOMERS_COLLECTION);
  return async (account, after, limit) => {
    // A range on `_id` alone, which every MongoDB-compatible store answers from its index: the
    // account's keys lie between `<account>:` and `<account>;`.
    const prefix = customerKey(account, "");
    const documents = await collection
      .find({ _id: { $gt: customerKey(account, after ?? ""), $lt: `${account};` } }, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return documents.map((document) => document._id.slice(prefix.length));
  };
}

export type WriteManyOptions = {
  /**
   * Runs before each write command is sent; throwing stops the writing there (what was sent
   * stays written). The partition runtime re-checks its lease here.
   */
  beforeEachCommand?: () => void;
};

export type CustomersOptions = {
  /**
   * Put `version` in each write's filter. FerretDB v1 uses an index only for filters on `_id`
   * alone (anything else scans the collection), so on it the guard is the partition lease and
   * the `lastSeq` check, and only insertions are guarded (by the unique `_id`).
   */
  versionInFilter: boolean;
  /**
   * Most writes one command may carry. FerretDB v1 holds a SQLite connection for every statement
   * of an update command until the command ends, from a pool of 100: a bulkWrite of 100
   * replacements deadlocks on its own. Small commands (with the stack's client pool of 8) keep
   * several processes together well under that.
   */
  writesPerCommand?: number;
};

/** See `CustomersOptions.writesPerCommand`: what the stack uses against FerretDB. */
export const FERRETDB_WRITES_PER_COMMAND = 3;

/** The repository as a store should use it: FerretDB gets its adapted writes. */
export function customersOf(store: Store): Customers {
  return customersRepository(
    store.db,
    store.isFerretDB
      ? { versionInFilter: false, writesPerCommand: FERRETDB_WRITES_PER_COMMAND }
      : { versionInFilter: true },
  );
}

export function customersRepository(db: Db, options: CustomersOptions): Customers {
  const collection = db.collection<CustomerDocument>(CUSTOMERS_COLLECTION);
  return {
    async get(account, customerId) {
      const document = await collection.findOne({ _id: customerKey(account, customerId) });
      return document && !document.deleted ? document : undefined;
    },
    async loadMany(keys) {
      // One `_id` look-up each: the form every MongoDB-compatible store answers from an index.
      const documents = await Promise.all(keys.map((key) => collection.findOne({ _id: key })));
      return new Map(documents.filter((d): d is CustomerDocument => d !== null).map((d) => [d._id, d]));
    },
    async writeMany(writes, { beforeEachCommand } = {}) {
      if (writes.length === 0) return;
      // Before the documents: see consentDenials.ts.
      const denials = writes.flatMap(({ document, readVersion, deniedBefore }) =>
        denialWrites(document, deniedBefore ?? (readVersion === 0 ? [] : undefined)),
      );
      await writeDenials(db, denials, options.writesPerCommand ?? denials.length, beforeEachCommand);
      const operations = writes.map(({ document, readVersion }) =>
        readVersion === 0
          ? { insertOne: { document } }
          : {
              replaceOne: {
                filter: options.versionInFilter ? { _id: document._id, version: readVersion } : { _id: document._id },
                replacement: document,
              },
            },
      );
      const conflicts: string[] = [];
      const size = options.writesPerCommand ?? operations.length;
      let matched = 0;
      for (let start = 0; start < operations.length; start += size) {
        beforeEachCommand?.();
        try {
          const result = await collection.bulkWrite(operations.slice(start, start + size), { ordered: false });
          matched += result.matchedCount;
        } catch (error) {
          const failed = duplicateKeyIndexes(error);
          if (!failed) throw error;
          for (const index of failed) conflicts.push(writes[start + index]?.document._id ?? "?");
          matched += (error as { result?: { matchedCount?: number } }).result?.matchedCount ?? 0;
        }
      }
      const replaced = writes.filter((write) => write.readVersion !== 0).length;
      if (matched < replaced) {
        const current = await this.loadMany(writes.map((write) => write.document._id));
        for (const { document } of writes) {
          if (current.get(document._id)?.version !== document.version && !conflicts.includes(document._id)) {
            conflicts.push(document._id);
          }
        }
      }
      if (conflicts.length > 0) throw new VersionConflictError(conflicts);
    },
  };
}

/** The ids of an account's live customers who DENIED a consent purpose. */
export type CustomersDenying = (account: string, purpose: ConsentPurpose) => Promise<string[]>;

/**
 * Reads them from the consent denials (consentDenials.ts) once they hold every customer; until
 * their backfill ends, from the customer documents, with one cursor within the account's `_id`
 * range (a look-up per customer would cost a round trip each: 20 s for 10,000 customers on FerretDB).
 */
export function customersDenying(db: Db): CustomersDenying {
  const collection = db.collection<{ _id: string; customerId: string }>(CUSTOMERS_COLLECTION);
  let complete = false;
  return async (account, purpose) => {
    complete ||= await consentDenialsComplete(db);
    if (complete) return readDenials(db, account, purpose);
    const found = collection.find(
      {
        _id: { $gt: customerKey(account, ""), $lt: `${account};` },
        deleted: false,
        [`consent.${purpose}`]: "DENIED",
      },
      { projection: { customerId: 1 } },
    );
    const ids: string[] = [];
    for await (const { customerId } of found) ids.push(customerId);
    return ids;
  };
}

/**
 * Fills the consent denials once from the customer documents stored before they existed (a scan
 * of them all: minutes for a large store on FerretDB, which is why it runs once, in the
 * background), then records that it did. Each customer the scan finds denying something is read
 * again as its denials are written, so what is written is its consent then, not as the scan saw
 * it (a denial withdrawn meanwhile is not left behind). Answers how many it found, or undefined
 * when it had run already.
 */
export async function backfillConsentDenials(store: Store): Promise<number | undefined> {
  const { db } = store;
  if (await consentDenialsComplete(db)) return undefined;
  // A customer's writes (one per purpose at most) in one command, but on FerretDB.
  const writesPerCommand = store.isFerretDB ? FERRETDB_WRITES_PER_COMMAND : CONSENT_PURPOSES.length;
  const customers = db.collection<CustomerDocument>(CUSTOMERS_COLLECTION);
  const denying = customers.find(
    { deleted: false, $or: CONSENT_PURPOSES.map((purpose) => ({ [`consent.${purpose}`]: "DENIED" })) },
    { projection: { _id: 1 } },
  );
  const keys: string[] = [];
  for await (const { _id } of denying) keys.push(_id);
  for (const key of keys) {
    const current = await customers.findOne({ _id: key });
    if (current) await writeDenials(db, denialWrites(current, undefined), writesPerCommand);
  }
  await markConsentDenialsComplete(db);
  return keys.length;
}

/** A customer whose earliest deadline has passed: to be woken. */
export type OverdueCustomer = { account: string; customerId: string; nextDueAt: string };

/**
 * Live customers whose `nextDueAt` is before `before`, earliest first, at most `limit`: those an
 * alarm should have woken and did not (NATS lost its schedule, or arming failed).
 */
export function overdueCustomers(db: Db) {
  const collection = db.collection<OverdueCustomer & { _id: string; deleted: boolean }>(CUSTOMERS_COLLECTION);
  return async (before: string, limit: number): Promise<OverdueCustomer[]> => {
    const found = await collection
      .find({ deleted: false, nextDueAt: { $lt: before } }, { projection: { account: 1, customerId: 1, nextDueAt: 1 } })
      .sort({ nextDueAt: 1 })
      .limit(limit)
      .toArray();
    return found.map(({ account, customerId, nextDueAt }) => ({ account, customerId, nextDueAt }));
  };
}

/** The customers' indexes: the sweep of overdue customers reads `nextDueAt`. */
export async function ensureCustomerIndexes(db: Db): Promise<void> {
  await db.collection(CUSTOMERS_COLLECTION).createIndex({ nextDueAt: 1 }, { name: "nextDueAt" });
}
