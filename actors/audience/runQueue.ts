import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { decodeAudienceRunJob, type NatsLink, STREAM_NAMES } from "../../streams/index.ts";
import type { RunDependencies, RunVerdict } from "./carryOutRun.ts";
import { carryOutRun } from "./carryOutRun.ts";

export const AUDIENCE_RUN_WORKERS = "audience-runs";

/** A busy audience's run is offered again after this long. */
export const BUSY_RETRY_MS = 2_000;

export type RunQueue = { stop: () => Promise<void> };

/**
 * Takes queued runs off AUDIENCE_RUNS one at a time. A run is acked once its commands are all
 * sent; a process that dies mid-run leaves it unacked, and JetStream hands it to another process
 * after the ack wait (the run keeps it alive with `working()` while it sends).
 */
export async function startRunQueue(
  link: NatsLink,
  deps: Omit<RunDependencies, "keepAlive">,
  log: Logger,
): Promise<RunQueue> {
  const jsm = await jetstreamManager(link.nc);
  await jsm.consumers.add(STREAM_NAMES.audienceRuns, {
    durable_name: AUDIENCE_RUN_WORKERS,
    ack_policy: AckPolicy.Explicit,
    ack_wait: 60_000_000_000,
  });
  const consumer = await jetstream(link.nc).consumers.get(STREAM_NAMES.audienceRuns, AUDIENCE_RUN_WORKERS);
  let stopping = false;
  const running = (async () => {
    while (!stopping) {
      const message = await consumer.next({ expires: 1_000 }).catch((error: unknown) => {
        if (!stopping) log.warn({ err: error }, "could not fetch audience runs; retrying");
        return null;
      });
      if (!message) continue;
      let verdict: RunVerdict;
      try {
        const job = decodeAudienceRunJob(message.data);
        verdict = await carryOutRun(job, { ...deps, keepAlive: () => message.working() });
      } catch (error) {
        log.error({ err: error, seq: message.seq }, "audience run could not be carried out; will retry");
        message.nak(BUSY_RETRY_MS);
        continue;
      }
      if (verdict === "busy") message.nak(BUSY_RETRY_MS);
      else message.ack();
    }
  })();
  return {
    async stop() {
      stopping = true;
      await running;
    },
  };
}
