import { jetstream } from "@nats-io/jetstream";
import type { CustomerFact } from "../model/index.ts";
import type { NatsLink } from "./connection.ts";
import { UnavailableError } from "./errors.ts";
import { encodeFact, factSubject } from "./facts.ts";

export type FactPublisher = {
  /** Publishes facts to CHANGES under their ids (so a republish is deduplicated) and waits for every ack. */
  publish: (facts: CustomerFact[]) => Promise<void>;
};

export function createFactPublisher(link: NatsLink, timeoutMs = 10_000): FactPublisher {
  const js = jetstream(link.nc);
  return {
    async publish(facts) {
      try {
        await Promise.all(
          facts.map((fact) =>
            js.publish(factSubject(fact), encodeFact(fact), {
              msgID: fact.metadata.factId,
              timeout: timeoutMs,
            }),
          ),
        );
      } catch (error) {
        throw new UnavailableError(`could not publish ${facts.length} facts to CHANGES`, { cause: error });
      }
    },
  };
}
