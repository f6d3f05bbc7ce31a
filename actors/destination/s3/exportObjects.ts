import { type FactKind, factKindOf } from "../../../model/index.ts";
import type { WindowFact } from "../windowReading.ts";

/** Where objects go and when one is full: an S3 export's settings as its planning reads them. */
export type ObjectRules = {
  prefix: string;
  account: string;
  kinds: readonly FactKind[];
  rotateSeconds: number;
  rotateBytes: number;
};

/**
 * One object to write: the facts of one kind, in stream order, each already one NDJSON line.
 * `customers` is empty: objects are independent (their keys order them), so no object waits for
 * another about the same customer.
 */
export type ExportObject = { customers: []; key: string; kind: FactKind; lines: ExportLine[] };

/** A fact of an object: its place, whose and which it is, and its NDJSON line but the newline. */
export type ExportLine = { seq: number; customerId: string; factId: string; payload: Uint8Array };

/**
 * A window's facts as objects: per kind, cut where the next fact would take the NDJSON past
 * `rotateBytes`, span more than `rotateSeconds`, or fall in another hour than the object's first.
 * The facts a resync stands for go apart, per resync and kind, into its snapshot (cut at
 * `rotateBytes` only: a snapshot is the state at one time, not a stretch of it), so a reader loads
 * the state as of the resync apart from the incremental objects.
 * Keys name the sequences the object holds, so the same window always gives the same keys and a
 * retry (or a run after a crash) rewrites an object rather than adding a copy.
 */
export function exportObjects(facts: readonly WindowFact[], rules: ObjectRules): ExportObject[] {
  const wanted = new Set<FactKind>(rules.kinds);
  const filling = new Map<string, { object: ExportObject; bytes: number; firstAt: number }>();
  const objects: { object: ExportObject; firstAt: number; resyncId: string | undefined }[] = [];
  for (const { seq, fact, payload, resyncId } of facts) {
    const kind = factKindOf(fact.type);
    if (!kind || !wanted.has(kind)) continue;
    const group = resyncId === undefined ? kind : `${resyncId}/${kind}`;
    // The payload is the fact's JSON on one line: CHANGES holds JSON.stringify's output.
    const bytes = payload.byteLength + 1;
    const at = Date.parse(fact.metadata.at);
    const open = filling.get(group);
    const full =
      open &&
      (open.bytes + bytes > rules.rotateBytes ||
        (resyncId === undefined &&
          (at - open.firstAt > rules.rotateSeconds * 1000 || hourOf(at) !== hourOf(open.firstAt))));
    const line = { seq, customerId: fact.metadata.customerId, factId: fact.metadata.factId, payload };
    if (open && !full) {
      open.object.lines.push(line);
      open.bytes += bytes;
      continue;
    }
    const object: ExportObject = { customers: [], key: "", kind, lines: [line] };
    objects.push({ object, firstAt: at, resyncId });
    filling.set(group, { object, bytes, firstAt: at });
  }
  return objects.map(({ object, firstAt, resyncId }) => ({
    ...object,
    key: objectKey(rules, object, firstAt, resyncId),
  }));
}

/**
 * `<prefix>/<account>/<kind>/dt=YYYY-MM-DD/hr=HH/<first-seq>-<last-seq>.ndjson.gz`, in the hour (UTC)
 * of its first fact; a resync's snapshot `<prefix>/<account>/snapshot/<kind>/resync=<resync id>/<first-seq>-<last-seq>.ndjson.gz`.
 */
function objectKey(rules: ObjectRules, object: ExportObject, firstAt: number, resyncId: string | undefined): string {
  const first = object.lines[0]?.seq;
  const last = object.lines.at(-1)?.seq;
  const kind = object.kind.toLowerCase();
  const at = new Date(firstAt).toISOString();
  const folder =
    resyncId === undefined
      ? `${kind}/dt=${at.slice(0, 10)}/hr=${at.slice(11, 13)}`
      : `snapshot/${kind}/resync=${resyncId}`;
  const path = `${rules.account}/${folder}/${first}-${last}.ndjson.gz`;
  return rules.prefix === "" ? path : `${rules.prefix}/${path}`;
}

function hourOf(ms: number): number {
  return Math.floor(ms / 3_600_000);
}
