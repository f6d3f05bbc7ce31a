import { builder } from "./builder.ts";

/** What an ingestion mutation answers once JetStream has stored its commands. */
export type Ack = { accepted: number; ids: string[] };

export const AckRef = builder.objectRef<Ack>("Ack").implement({
  description: "Commands durably stored in JetStream; they are applied asynchronously",
  fields: (t) => ({
    accepted: t.exposeInt("accepted"),
    ids: t.exposeIDList("ids", { description: "Command ids; for events, the event id (the client's when given)" }),
  }),
});

export function ack(ids: string[]): Ack {
  return { accepted: ids.length, ids };
}
