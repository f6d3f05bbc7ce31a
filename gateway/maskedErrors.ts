import { GraphQLError } from "graphql";
import { type MaskError, maskError } from "graphql-yoga";
import { classifyFailure, failureRef } from "../model/index.ts";
import { storeFailureOf } from "../store/index.ts";
import { natsFailureOf } from "../streams/index.ts";

/** Where a masked error is logged in full: pino's `error(object, message)`. */
export type ErrorLog = { error: (details: Record<string, unknown>, message: string) => void };

/**
 * Answers an unexpected error without its text, which may name our hosts, drivers or code: the
 * store or NATS being unreachable is `UNAVAILABLE` ("the store is unavailable; retry"), anything
 * else `INTERNAL_SERVER_ERROR` ("the store refused the operation", "Unexpected error"); each
 * carries a reference (`extensions.ref`, also in the message) under which the full error is
 * logged. GraphQL errors of our own (bad input, not found, …) go out as they are. Unlike yoga's
 * default, nothing of the original error is attached in development either.
 */
export function maskUnexpectedErrors(log: ErrorLog): MaskError {
  return (error, message) => {
    const masked = maskError(error, message, false);
    if (masked === error) return masked;
    const cause = error instanceof GraphQLError && error.originalError ? error.originalError : error;
    const ref = failureRef();
    const path = error instanceof GraphQLError ? error.path : undefined;
    log.error({ err: cause, ref, path }, "unexpected error answered to a client without its details");
    const failure = classifyFailure(cause, [storeFailureOf, natsFailureOf]);
    const where = error instanceof GraphQLError ? { nodes: error.nodes, positions: error.positions, path } : {};
    if (failure?.retryable) {
      return new GraphQLError(`${failure.what}; retry (ref ${ref})`, {
        ...where,
        extensions: { code: "UNAVAILABLE", ref, http: { status: 503 } },
      });
    }
    return new GraphQLError(`${failure?.what ?? "Unexpected error"} (ref ${ref})`, {
      ...where,
      extensions: { code: "INTERNAL_SERVER_ERROR", ref },
    });
  };
}
