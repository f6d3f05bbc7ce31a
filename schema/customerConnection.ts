import type { LiveCustomerDocument } from "../store/index.ts";
import type { Connection } from "./connection.ts";
import { connectionRef } from "./connection.ts";
import { CustomerRef } from "./customerType.ts";

/** A page of customers; each one's cursor is its customer id. */
export type CustomerConnection = Connection<LiveCustomerDocument>;

export const CustomerConnectionRef = connectionRef("Customer", CustomerRef, "A page of customers (Relay connection)");
