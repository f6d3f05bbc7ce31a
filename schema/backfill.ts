import { z } from "zod";
import type { Context } from "./context.ts";
import { parseArgument } from "./errors.ts";

/** The `backfill` field's description, the same on every destination's configuration input. */
export const BACKFILL =
  "Default false: true sends every customer's current state (profile, tags, memberships; deletions) once the integration is stored, then goes on incrementally, as resyncIntegration does";

const backfillSchema = z
  .boolean()
  .nullish()
  .transform((value) => value ?? false);

/**
 * `backfill: true` on a destination's configuration: the integration just stored is resynced, on
 * the same path as `resyncIntegration` (joining a resync already under way), so a new integration
 * starts from every customer's current state and not only from what changes after it.
 */
export async function backfillIfAsked(given: unknown, integrationId: string, context: Context): Promise<void> {
  if (!parseArgument(backfillSchema, given, "input.backfill")) return;
  await context.services.integrations.requestResync(integrationId, "REQUESTED");
}
