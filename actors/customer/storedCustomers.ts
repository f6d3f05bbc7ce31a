import { CUSTOMER_SCHEMA_VERSION, type PersistedCustomer } from "../../model/index.ts";
import type {
  CurrentCustomerDocument,
  CustomerDocument,
  CustomerDocumentV1,
  DocumentHeader,
} from "../../store/index.ts";

/**
 * The customer a stored document holds, migrated from the schema version that wrote it. A batch
 * reads each of its customers through here once (not each command); only a document loaded from
 * the store can be older, and the actor writes it back current with the customer's next change.
 */
export function customerOfDocument(document: CustomerDocument): PersistedCustomer {
  if (document.schemaVersion !== CUSTOMER_SCHEMA_VERSION) return migrateFromVersion1(document);
  if (document.status === "deleted") {
    const { account, customerId, deletedAt } = document;
    return { status: "deleted", account, customerId, deletedAt };
  }
  const { _id, version, lastSeq, schemaVersion, deleted, ...customer } = document;
  return customer;
}

/**
 * The document that stores a customer: its state at the top level (so rules and reads query it
 * directly) and `deleted`, the flag every read filters on.
 */
export function documentOfCustomer(customer: PersistedCustomer, header: DocumentHeader): CurrentCustomerDocument {
  const stored = { ...header, schemaVersion: CUSTOMER_SCHEMA_VERSION } as const;
  return customer.status === "active"
    ? { ...stored, deleted: false, ...customer }
    : { ...stored, deleted: true, ...customer };
}

/**
 * Version 1 stored no lifecycle: a live customer (perhaps from before memberships were kept) or a
 * tombstone, told apart by `deleted`.
 */
function migrateFromVersion1(document: CustomerDocumentV1): PersistedCustomer {
  if (document.deleted) {
    const { account, customerId, deletedAt } = document;
    return { status: "deleted", account, customerId, deletedAt };
  }
  const { _id, version, lastSeq, schemaVersion, deleted, memberships, ...state } = document;
  return { status: "active", ...state, memberships: memberships ?? [] };
}
