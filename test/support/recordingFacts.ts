import type { CustomerFact } from "../../model/index.ts";
import { decodeFact, encodeFact, type FactPublisher, factSubject } from "../../streams/index.ts";

/** A fact publisher that keeps what it is asked to publish, decoded back, instead of reaching NATS. */
export function recordingFactPublisher(): { publisher: FactPublisher; published: CustomerFact[] } {
  const published: CustomerFact[] = [];
  const publisher: FactPublisher = {
    prepare: (fact) => ({ subject: factSubject(fact), payload: encodeFact(fact), msgID: fact.metadata.factId }),
    publish: async (facts) => void published.push(...facts.map((fact) => decodeFact(fact.payload))),
  };
  return { publisher, published };
}
