import { jetstream, type ScheduleOptions } from "@nats-io/jetstream";
import type { CustomerFact } from "../model/index.ts";
import type { NatsLink } from "./connection.ts";
import { UnavailableError } from "./errors.ts";
import { deferredSendSubject, encodeFact, factSubject } from "./facts.ts";

/**
 * A fact encoded for CHANGES (or MESSAGES): where it goes, its bytes, the id JetStream
 * deduplicates it by and, for a deferred send, the schedule that delivers it later.
 */
export type PreparedFact = { subject: string; payload: Uint8Array; msgID: string; schedule?: ScheduleOptions };

export type FactPublisher = {
  /**
   * Encodes a fact for `publish`. Throws FactTooLargeError when NATS could never carry it, so the
   * command that decided it can be set aside instead of being retried forever.
   */
  prepare: (fact: CustomerFact) => PreparedFact;
  /** Publishes facts to CHANGES under their ids (so a republish is deduplicated) and waits for every ack. */
  publish: (facts: PreparedFact[]) => Promise<void>;
};

/** A fact bigger than the NATS server's `max_payload`: publishing it can never succeed. */
export class FactTooLargeError extends Error {
  override name = "FactTooLargeError";
  readonly code = "FACT_TOO_LARGE";
}

/** Room left in `max_payload` for the message's headers (`Nats-Msg-Id`). */
const HEADER_ALLOWANCE = 1_024;
/** NATS's own default, for a connection that has not said its limit. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export function createFactPublisher(link: NatsLink, timeoutMs = 10_000): FactPublisher {
  const js = jetstream(link.nc);
  return {
    prepare(fact) {
      const payload = encodeFact(fact);
      const limit = (link.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADER_ALLOWANCE;
      if (payload.length > limit) {
        throw new FactTooLargeError(
          `a ${fact.type} fact of ${payload.length} bytes is over what NATS carries (${limit} bytes with its headers)`,
        );
      }
      const prepared = { subject: factSubject(fact), payload, msgID: fact.metadata.factId };
      if (fact.type !== "send.decided" || fact.data.decision.status !== "QUEUED") return prepared;
      const { notBefore } = fact.data.decision;
      if (notBefore === undefined) return prepared;
      // A message schedule only fires into its own stream: MESSAGES, on the channel's subject.
      const schedule = { specification: new Date(notBefore), target: prepared.subject };
      return { ...prepared, subject: deferredSendSubject(fact), schedule };
    },
    async publish(facts) {
      try {
        await Promise.all(
          facts.map(({ subject, payload, msgID, schedule }) =>
            js.publish(subject, payload, { msgID, timeout: timeoutMs, ...(schedule && { schedule }) }),
          ),
        );
      } catch (error) {
        throw new UnavailableError(`could not publish ${facts.length} facts`, { cause: error });
      }
    },
  };
}
