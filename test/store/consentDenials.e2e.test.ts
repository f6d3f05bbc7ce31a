import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConsentPurpose, ConsentState } from "../../model/index.ts";
import {
  backfillConsentDenials,
  CONSENT_DENIALS_COLLECTION,
  CUSTOMERS_COLLECTION,
  type CustomerDocument,
  connectStore,
  customerKey,
  customersDenying,
  customersOf,
  type Store,
} from "../../store/index.ts";
import { isolatedMongoUrl, uniqueId } from "../support/world.ts";

/**
 * Who denied each consent purpose, kept beside the customer documents by the writes that change
 * them, and read by a destination's sync when it starts.
 */
let store: Store;

beforeAll(async () => {
  store = await connectStore(isolatedMongoUrl(uniqueId("db")));
});
afterAll(async () => {
  await store?.close();
});

const consent = (denied: ConsentPurpose[]): ConsentState => ({
  email: denied.includes("email") ? "DENIED" : "GRANTED",
  push: denied.includes("push") ? "DENIED" : "UNKNOWN",
  whatsapp: denied.includes("whatsapp") ? "DENIED" : "UNKNOWN",
  sms: denied.includes("sms") ? "DENIED" : "UNKNOWN",
  ads: denied.includes("ads") ? "DENIED" : "UNKNOWN",
  dataSharing: denied.includes("dataSharing") ? "DENIED" : "GRANTED",
});

/** A stored customer as far as consent goes (reads take documents as they are). */
function customer(account: string, customerId: string, version: number, denied: ConsentPurpose[]): CustomerDocument {
  return {
    _id: customerKey(account, customerId),
    version,
    lastSeq: version,
    deleted: false,
    schemaVersion: 1,
    account,
    customerId,
    consent: consent(denied),
  } as unknown as CustomerDocument;
}

function tombstone(account: string, customerId: string, version: number): CustomerDocument {
  return {
    _id: customerKey(account, customerId),
    version,
    lastSeq: version,
    deleted: true,
    account,
    customerId,
    deletedAt: "2026-12-03T00:00:00.000Z",
  };
}

const sorted = async (ids: Promise<string[]>) => (await ids).sort();

describe("consent denials", () => {
  it("follow each customer's writes: a denial, its withdrawal, a deletion; per account and purpose", async () => {
    // Given the backfill has run on a store holding nobody yet, so the denials alone are read.
    expect(await backfillConsentDenials(store)).toBe(0);
    const customers = customersOf(store);
    const denying = customersDenying(store.db);
    const account = uniqueId("acct");
    const other = uniqueId("acct");

    // When customers are created, some denying data sharing (and one of another account, same id).
    await customers.writeMany([
      { document: customer(account, "ana", 1, ["dataSharing"]), readVersion: 0 },
      { document: customer(account, "bob", 1, ["dataSharing", "ads"]), readVersion: 0 },
      { document: customer(account, "cid", 1, []), readVersion: 0 },
      { document: customer(other, "cid", 1, ["dataSharing"]), readVersion: 0 },
    ]);
    // Then each purpose names its own.
    expect(await sorted(denying(account, "dataSharing"))).toEqual(["ana", "bob"]);
    expect(await denying(account, "ads")).toEqual(["bob"]);
    expect(await denying(account, "email")).toEqual([]);
    expect(await denying(other, "dataSharing")).toEqual(["cid"]);

    // When ana grants again and bob is deleted.
    await customers.writeMany([
      { document: customer(account, "ana", 2, []), readVersion: 1, deniedBefore: ["dataSharing"] },
      { document: tombstone(account, "bob", 2), readVersion: 1, deniedBefore: ["dataSharing", "ads"] },
    ]);
    // Then neither is left.
    expect(await denying(account, "dataSharing")).toEqual([]);
    expect(await denying(account, "ads")).toEqual([]);

    // When cid denies email in a write that does not say what it had denied.
    await customers.writeMany([{ document: customer(account, "cid", 2, ["email"]), readVersion: 1 }]);
    expect(await denying(account, "email")).toEqual(["cid"]);
    // And one that says nothing changed writes no denial: what the collection holds stays.
    await store.db.collection(CONSENT_DENIALS_COLLECTION).deleteMany({ customerId: "cid", account });
    await customers.writeMany([
      { document: customer(account, "cid", 3, ["email"]), readVersion: 2, deniedBefore: ["email"] },
    ]);
    expect(await denying(account, "email")).toEqual([]);
  });
});

describe("the consent denials' backfill", () => {
  it("adds the customers stored before them, once; until it ends, who denied is read from the documents", async () => {
    const backfilled = await connectStore(isolatedMongoUrl(uniqueId("db")));
    try {
      const account = uniqueId("acct");
      // Given customers stored by an older version, which kept no denials.
      await backfilled.db
        .collection<CustomerDocument>(CUSTOMERS_COLLECTION)
        .insertMany([
          customer(account, "ana", 4, ["dataSharing"]),
          customer(account, "bob", 2, ["ads"]),
          customer(account, "cid", 1, []),
          tombstone(account, "dan", 3),
        ]);
      const denying = customersDenying(backfilled.db);
      // Then before the backfill the documents are read.
      expect(await denying(account, "dataSharing")).toEqual(["ana"]);
      expect(await backfilled.db.collection(CONSENT_DENIALS_COLLECTION).countDocuments()).toBe(0);

      // When it runs, it finds the two, and a second run finds it done.
      expect(await backfillConsentDenials(backfilled)).toBe(2);
      expect(await backfillConsentDenials(backfilled)).toBeUndefined();
      expect(await denying(account, "dataSharing")).toEqual(["ana"]);
      expect(await denying(account, "ads")).toEqual(["bob"]);

      // Then from now on the denials alone are read: a document written past them is not seen.
      await backfilled.db
        .collection<CustomerDocument>(CUSTOMERS_COLLECTION)
        .insertOne(customer(account, "eve", 1, ["dataSharing"]));
      expect(await customersDenying(backfilled.db)(account, "dataSharing")).toEqual(["ana"]);
    } finally {
      await backfilled.close();
    }
  });
});
