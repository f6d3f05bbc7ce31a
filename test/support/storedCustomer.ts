import { createCustomerState } from "../../actors/customer/index.ts";
import { CUSTOMER_SCHEMA_VERSION, type CustomerState } from "../../model/index.ts";
import { type CustomerDocument, customerKey } from "../../store/index.ts";

/**
 * A live customer document as the actors store it, for tests that put customers straight into
 * the store: a fresh customer (created at `createdAt`) with `state` laid over it.
 */
export function storedCustomer(
  account: string,
  customerId: string,
  state: Partial<CustomerState> = {},
  createdAt = "2026-03-01T09:00:00.000Z",
): CustomerDocument {
  return {
    _id: customerKey(account, customerId),
    version: 1,
    lastSeq: 1,
    deleted: false,
    schemaVersion: CUSTOMER_SCHEMA_VERSION,
    status: "active",
    ...createCustomerState({ account, customerId, now: createdAt }),
    ...state,
  };
}
