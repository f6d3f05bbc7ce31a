import { GraphQLError } from "graphql";
import type { z } from "zod";
import {
  AudienceBusyError,
  AudienceNameTakenError,
  AudienceNotFoundError,
  AudienceRequestRefusedError,
  CampaignNotFoundError,
  CampaignRefusedError,
  JourneyNotFoundError,
  JourneyRefusedError,
  TemplateChannelChangeError,
  TemplateNotFoundError,
} from "../store/index.ts";
import { CommandTooLargeError, UnavailableError } from "../streams/index.ts";

/** One problem with an argument: where (`events[3].properties.items`) and why. */
export type InputIssue = { field: string; message: string };

export function badInput(issues: InputIssue[]): GraphQLError {
  const [first] = issues;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
  return new GraphQLError(`${first?.field ?? "input"}: ${first?.message ?? "invalid"}${more}`, {
    extensions: { code: "BAD_USER_INPUT", issues },
  });
}

/** Validates an argument against a zod schema; errors name the argument path of each issue. */
export function parseArgument<T extends z.ZodType>(schema: T, value: unknown, argument: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw badInput(
    result.error.issues.map((issue) => ({ field: fieldPath(argument, issue.path), message: issue.message })),
  );
}

export function fieldPath(argument: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === "number" ? `${text}[${key}]` : `${text}.${String(key)}`),
    argument,
  );
}

/** `reason` says which part of the credentials was refused (an SDK user token's, e.g. `EXPIRED`). */
export function unauthenticated(
  message = "authentication required: send Authorization: Bearer <api key>",
  reason?: string,
): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: "UNAUTHENTICATED", ...(reason ? { reason } : {}), http: { status: 401 } },
  });
}

/** `field` names the argument whose value the caller may not use (`events[3].name`). */
export function forbidden(
  message = "forbidden: this key may not perform this operation",
  field?: string,
): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "FORBIDDEN", ...(field ? { field } : {}) } });
}

/** Runs an ingestion and turns a NATS outage into the `UNAVAILABLE` error clients retry on. */
export async function orUnavailable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UnavailableError) {
      throw new GraphQLError(`${error.message}`, { extensions: { code: "UNAVAILABLE", http: { status: 503 } } });
    }
    throw error;
  }
}

/**
 * Runs an ingestion as `orUnavailable` does; a command over its size bound is `PAYLOAD_TOO_LARGE`
 * (HTTP 413), named by `commandPath(index)` (`events[3]`, `input`): nothing was stored, and a retry
 * cannot help.
 */
export function ingesting<T>(commandPath: (index: number) => string, work: () => Promise<T>): Promise<T> {
  return orUnavailable(async () => {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof CommandTooLargeError)) throw error;
      const field = commandPath(error.index);
      const size = (bytes: number) => bytes.toLocaleString("en-US");
      throw new GraphQLError(
        `${field}: is ${size(error.bytes)} bytes encoded; one command may be at most ${size(error.limit)} bytes (${error.limit / 1024} KiB)`,
        { extensions: { code: error.code, field, bytes: error.bytes, limit: error.limit, http: { status: 413 } } },
      );
    }
  });
}

/**
 * Runs an operation and turns its expected failures into GraphQL errors carrying their `code`:
 * `NOT_FOUND` (an audience, a template, a journey or a campaign), `AUDIENCE_BUSY`, `AUDIENCE_NAME_TAKEN`,
 * `BAD_USER_INPUT` (also a template's changed channel, and a journey's or a campaign's refusal with
 * every issue in `extensions.issues`), and `UNAVAILABLE` as
 * `orUnavailable` does. Anything else stays an internal error.
 */
export async function orGraphQLError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await orUnavailable(work);
  } catch (error) {
    if (error instanceof JourneyRefusedError || error instanceof CampaignRefusedError) {
      throw new GraphQLError(error.message, { extensions: { code: error.code, issues: error.issues } });
    }
    if (
      error instanceof JourneyNotFoundError ||
      error instanceof CampaignNotFoundError ||
      error instanceof AudienceNotFoundError ||
      error instanceof AudienceBusyError ||
      error instanceof AudienceNameTakenError ||
      error instanceof AudienceRequestRefusedError ||
      error instanceof TemplateNotFoundError ||
      error instanceof TemplateChannelChangeError
    ) {
      throw new GraphQLError(error.message, { extensions: { code: error.code } });
    }
    throw error;
  }
}
