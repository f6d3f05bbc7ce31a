import { randomBytes } from "node:crypto";

/**
 * A failure whose message is written for clients: it says what was wrong with what the client sent
 * or holds, and names none of our hosts, drivers or code. Its message reaches clients as it is; any
 * other error reaches them only as `clientText`.
 */
export class ClientFacingError extends Error {
  override name = "ClientFacingError";
}

/** A failure of a service Masivo depends on, in stable words: what failed, and whether retrying may cure it. */
export type ServiceFailure = { what: string; retryable: boolean };

/** Reads one service's errors (the store's, NATS's); undefined for errors not its own. */
export type FailureClassifier = (error: unknown) => ServiceFailure | undefined;

/** The message of anything thrown: an Error's own, anything else as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A new reference, tying what a client reads about a failure to the full error in the log. */
export function failureRef(): string {
  return `ref_${randomBytes(6).toString("hex")}`;
}

/** How far a chain of causes is followed; a cycle must not loop. */
const MAX_CAUSES = 8;

/** The first classifier's reading of `error` or of one of its causes; undefined when none knows it. */
export function classifyFailure(error: unknown, classifiers: readonly FailureClassifier[]): ServiceFailure | undefined {
  let current = error;
  for (let depth = 0; depth < MAX_CAUSES && current !== undefined; depth++) {
    for (const classify of classifiers) {
      const failure = classify(current);
      if (failure) return failure;
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/**
 * What a client reads about `error`, logged in full under `ref`: a ClientFacingError's own message;
 * otherwise what failed in the classifiers' stable words (`the store is unavailable`) and `ref`.
 */
export function clientText(error: unknown, ref: string, classifiers: readonly FailureClassifier[]): string {
  if (error instanceof ClientFacingError) return error.message;
  return `${classifyFailure(error, classifiers)?.what ?? "an unexpected error"} (ref ${ref})`;
}
