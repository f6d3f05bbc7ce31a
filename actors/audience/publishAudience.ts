import type { Logger } from "pino";
import type { AudienceDocument, Audiences } from "../../store/index.ts";
import type { AudienceCatalogWriter } from "./catalog.ts";
import { reportFailure } from "./reportFailure.ts";

export type PublishDependencies = { catalog: AudienceCatalogWriter; audiences: Audiences; log: Logger };

/**
 * Hands an audience's definition to the customer workers (the catalog) and records on the audience
 * how that went: a failure is logged in full and marks the audience FAILING, with a reason a client
 * may read in `lastError`; a success clears the mark. Answers the audience as marked, and does not
 * throw for the publish itself: one audience that cannot be published must not stop the others.
 */
export async function publishAudience(
  audience: AudienceDocument,
  deps: PublishDependencies,
): Promise<AudienceDocument> {
  try {
    await deps.catalog.publish(audience);
  } catch (error) {
    const context = { account: audience.account, audience: audience._id };
    const lastError = reportFailure(deps.log, error, context, "audience not published; its members do not change");
    await deps.audiences.setLastError(audience._id, lastError);
    return { ...audience, lastError };
  }
  if (audience.lastError === undefined) return audience;
  await deps.audiences.setLastError(audience._id, undefined);
  const { lastError: _cleared, ...published } = audience;
  return published;
}
