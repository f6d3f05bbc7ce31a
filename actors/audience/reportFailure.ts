import { GraphQLError } from "graphql";
import type { Logger } from "pino";
import { clientText, failureRef } from "../../model/index.ts";
import { storeFailureOf } from "../../store/index.ts";
import { natsFailureOf } from "../../streams/index.ts";

/**
 * Logs `error` in full under a new reference and answers what a client may read of it (a run's
 * `errors`, an audience's `lastError`): its own words when it is a ClientFacingError, otherwise
 * what failed and the reference — never the store's or NATS's own text, which names our hosts.
 */
export function reportFailure(log: Logger, error: unknown, context: Record<string, unknown>, message: string): string {
  const ref = failureRef();
  log.error({ err: error, ref, ...context }, message);
  // An upload's own errors (a broken multipart body) are GraphQL errors written for the client.
  if (error instanceof GraphQLError && error.originalError === undefined) return error.message;
  return clientText(error, ref, [storeFailureOf, natsFailureOf]);
}
