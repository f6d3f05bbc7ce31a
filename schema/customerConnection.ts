import type { LiveCustomerDocument } from "../store/index.ts";
import { builder } from "./builder.ts";
import { CustomerRef } from "./customerType.ts";
import { type PageInfo, PageInfoRef } from "./pageInfo.ts";

/** One customer in a page; its cursor is its customer id. */
export type CustomerEdge = { cursor: string; node: LiveCustomerDocument };
export type CustomerConnection = { edges: CustomerEdge[]; pageInfo: PageInfo };

const CustomerEdgeRef = builder.objectRef<CustomerEdge>("CustomerEdge").implement({
  fields: (t) => ({
    cursor: t.exposeString("cursor"),
    node: t.expose("node", { type: CustomerRef }),
  }),
});

export const CustomerConnectionRef = builder.objectRef<CustomerConnection>("CustomerConnection").implement({
  description: "A page of customers (Relay connection)",
  fields: (t) => ({
    edges: t.expose("edges", { type: [CustomerEdgeRef] }),
    pageInfo: t.expose("pageInfo", { type: PageInfoRef }),
  }),
});
