import { type AudienceRunDocument, MAX_RUN_ERRORS } from "../store/index.ts";
import { builder } from "./builder.ts";
import { callerAccount } from "./context.ts";

const AudienceRunKindRef = builder.enumType("AudienceRunKind", {
  description:
    "What started a run: a rule change or `recalculateAudience`, an import, a scheduled sweep, a deletion, a new name, pushTopic turned on or off",
  values: ["RECALCULATE", "IMPORT", "SWEEP", "DELETE", "RENAME", "PUSH_TOPIC"] as const,
});

const RunStatusRef = builder.enumType("RunStatus", { values: ["RUNNING", "DONE", "FAILED"] as const });

export const AudienceRunRef = builder.objectRef<AudienceRunDocument>("AudienceRun").implement({
  description:
    "One pass over an audience's customers; runs of one audience never overlap. Counts grow while it is RUNNING",
  fields: (t) => ({
    id: t.exposeID("_id"),
    audienceId: t.exposeID("audienceId"),
    kind: t.expose("kind", { type: AudienceRunKindRef }),
    status: t.expose("status", { type: RunStatusRef }),
    total: t.exposeInt("total", { description: "Customers the run asked to evaluate so far; final once it is done" }),
    processed: t.int({
      description: "Customers evaluated so far: entered + exited + unchanged",
      resolve: (run) => run.entered + run.exited + run.unchanged,
    }),
    entered: t.exposeInt("entered"),
    exited: t.exposeInt("exited"),
    unchanged: t.exposeInt("unchanged"),
    errors: t.exposeStringList("errors", {
      description: `The first ${MAX_RUN_ERRORS} problems (e.g. bad CSV lines)`,
    }),
    errorCount: t.exposeInt("errorCount", { description: "Every problem, including those beyond `errors`" }),
    startedAt: t.expose("startedAt", { type: "DateTime" }),
    finishedAt: t.field({ type: "DateTime", nullable: true, resolve: (run) => run.finishedAt ?? null }),
  }),
});

builder.queryField("audienceRun", (t) =>
  t.field({
    type: AudienceRunRef,
    nullable: true,
    description: "ADMIN: one run of an audience of the caller's account; null when there is none",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) =>
      (await context.services.audienceRuns.get(callerAccount(context), String(args.id))) ?? null,
  }),
);
