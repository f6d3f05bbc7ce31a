import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { decodeAudienceRunJob, type NatsLink, STREAM_NAMES } from "../../streams/index.ts";
import type { RunDependencies, RunVerdict } from "./carryOutRun.ts";
import { carryOutRun } from "./carryOutRun.ts";

export const AUDIENCE_RUN_WORKERS = "audience-runs";

/** A busy audience's run is offered again after this long. */
export const BUSY_RETRY_MS = 2_000;

/**
 * A run whose process died is handed to another after this long; a live process keeps its run
 * with `working()` every KEEP_ALIVE_MS, whatever the run is waiting for (a slow page, the store).
 */
const ACK_WAIT_MS = 6_000;
const KEEP_ALIVE_MS = 2_000;

export type RunQueue = { stop: () => Promise<void> };

/**
 * Takes queued runs off AUDIENCE_RUNS one at a time. A run is acked once its commands are all
 * sent; a process that dies mid-run leaves it unacked, and JetStream hands it to another process
 * (or to the same one started again) after the ack wait, ACK_WAIT_MS.
 */
export async function startRunQueue(
  link: NatsLink,
  deps: Omit<RunDependencies, "keepAlive">,
  log: Logger,
): Promise<RunQueue> {
  const jsm = await jetstreamManager(link.nc);
  const ackWait = ACK_WAIT_MS * 1_000_000; // nanoseconds
  const existing = await jsm.consumers.info(STREAM_NAMES.audienceRuns, AUDIENCE_RUN_WORKERS).catch(() => undefined);
  // A consumer made by an earlier version keeps its ack wait (60 s) unless it is updated.
  if (existing && existing.config.ack_wait !== ackWait) {
    await jsm.consumers.update(STREAM_NAMES.audienceRuns, AUDIENCE_RUN_WORKERS, { ack_wait: ackWait });
  } else if (!existing) {
    await jsm.consumers.add(STREAM_NAMES.audienceRuns, {
      durable_name: AUDIENCE_RUN_WORKERS,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ackWait,
    });
  }
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
      const keepingAlive = setInterval(() => message.working(), KEEP_ALIVE_MS);
      try {
        const job = decodeAudienceRunJob(message.data);
        verdict = await carryOutRun(job, { ...deps, keepAlive: () => message.working() });
      } catch (error) {
        log.error({ err: error, seq: message.seq }, "audience run could not be carried out; will retry");
        message.nak(BUSY_RETRY_MS);
        continue;
      } finally {
        clearInterval(keepingAlive);
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
