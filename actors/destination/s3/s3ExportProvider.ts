import type { ConsentPurpose } from "../../../model/index.ts";
import { FACT_KIND_TYPES, FACT_KINDS } from "../../../model/index.ts";
import type { S3ExportSettings } from "../../../store/index.ts";
import { createLoopPlanner } from "../loopPlanner.ts";
import type { DestinationLimits, DestinationProvider } from "../provider.ts";
import { classifyWrite } from "./classifyWrite.ts";
import { type ExportObject, exportObjects } from "./exportObjects.ts";
import { createObjectWriter, type OutboundReach, type WriteAnswer } from "./objectWriter.ts";

/** Customers who DENIED data sharing are left out of exports, as out of Braze. */
const S3_CONSENT_PURPOSE: ConsentPurpose = "dataSharing";

/**
 * A window holds at most 10,000 facts and closes after a second without new ones (the generic
 * consumer's windows, the same for every S3 export): each kind of a window is one object at least,
 * cut further at the export's `rotateBytes` and `rotateSeconds`. So objects appear within about a
 * second of the facts and are never larger than asked, often smaller. Eight writes in flight per
 * bucket and keys: each streams at most ~10 MiB at a time (objectWriter.ts), so memory stays bounded.
 */
export const S3_LIMITS: DestinationLimits = {
  callsPerWindow: 1_000,
  windowMs: 1_000,
  concurrency: 8,
  windowSize: 10_000,
  // One object a window: with two windows, two writes were in flight and the export waited on
  // them; four gave bench:exports 56,278 facts/s against 51,401 (300,000 facts, bench/README.md).
  windowsHandled: 4,
  flushDelayMs: 1_000,
  callTimeoutMs: 120_000,
  backoff: { baseMs: 500, maxMs: 60_000 },
};

/**
 * S3 exports (docs/exports.md): the facts of the kinds an export asked for, as gzip NDJSON objects
 * (one fact per line, as CHANGES holds it) under keys named by the sequences they hold, written
 * only to addresses `reach` allows, checked at every connection.
 */
export function createS3ExportProvider(
  reach: OutboundReach,
): DestinationProvider<S3ExportSettings, Record<never, never>, ExportObject, WriteAnswer> {
  return {
    kind: "s3",
    name: "S3",
    consentPurpose: S3_CONSENT_PURPOSE,
    wants: FACT_KINDS.map((kind) => FACT_KIND_TYPES[kind]),
    limits: S3_LIMITS,
    // Keys name the sequences an object holds: a window regrouped after a crash would write a copy.
    recordsWindowFirst: true,
    accountOf: (integration) =>
      `${integration.settings.endpoint ?? "aws"}|${integration.settings.bucket}|${integration.settings.accessKeyId}`,
    connect(integration, secretAccessKey) {
      const { settings, account } = integration;
      const writer = createObjectWriter({ ...settings, secretAccessKey }, reach);
      const planner = createLoopPlanner<Record<never, never>, ExportObject>({
        consentPurpose: S3_CONSENT_PURPOSE,
        wants: settings.kinds.map((kind) => FACT_KIND_TYPES[kind]),
        map: (facts) => exportObjects(facts, { ...settings, account }),
        carried: (object) =>
          object.lines.map((line) => ({
            customerId: line.customerId,
            item: object.kind.toLowerCase(),
            factId: line.factId,
            part: 0,
          })),
      });
      return {
        context: () => ({}),
        planner: {
          ...planner,
          close: async () => {
            await planner.close();
            writer.close();
          },
        },
        send: (object, signal) => writer.write(object, signal),
      };
    },
    classify: classifyWrite,
  };
}
