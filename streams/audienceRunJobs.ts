import { jetstream } from "@nats-io/jetstream";
import { z } from "zod";
import { accountIdSchema } from "../model/index.ts";
import type { NatsLink } from "./connection.ts";
import { UnavailableError } from "./errors.ts";
import { jsonCodec } from "./jsonCodec.ts";
import { subjects } from "./subjects.ts";

/**
 * An audience run for the `audiences` role to carry out, queued on AUDIENCE_RUNS. Imports are not
 * queued: the gateway reads the upload and sends their commands itself.
 */
export const audienceRunJobSchema = z.object({
  runId: z.string().min(1),
  account: accountIdSchema,
  audienceId: z.string().min(1),
  kind: z.enum(["RECALCULATE", "SWEEP", "DELETE", "RENAME", "PUSH_TOPIC"]),
  /** RENAME: the name the audience had before (the new one is its name when the run is carried out). */
  previousName: z.string().min(1).optional(),
});
export type AudienceRunJob = z.infer<typeof audienceRunJobSchema>;

const codec = jsonCodec(audienceRunJobSchema);
export const encodeAudienceRunJob: (job: AudienceRunJob) => Uint8Array = codec.encode;
export const decodeAudienceRunJob: (payload: Uint8Array) => AudienceRunJob = codec.decode;

/** Queues a run under its id, so queuing the same run twice stores it once. */
export async function enqueueAudienceRun(link: NatsLink, job: AudienceRunJob): Promise<void> {
  try {
    await jetstream(link.nc).publish(subjects.audienceRun(job.account), encodeAudienceRunJob(job), {
      msgID: job.runId,
    });
  } catch (error) {
    throw new UnavailableError(`could not queue audience run ${job.runId}`, { cause: error });
  }
}
