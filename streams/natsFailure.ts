import { JetStreamApiError, JetStreamError } from "@nats-io/jetstream";
import {
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  InvalidArgumentError,
  NoRespondersError,
  PermissionViolationError,
  ProtocolError,
  RequestError,
  TimeoutError,
} from "@nats-io/transport-node";
import type { ServiceFailure } from "../model/index.ts";
import { UnavailableError } from "./errors.ts";

/** Errors that mean NATS could not be reached or did not answer in time. */
const UNREACHABLE = [
  UnavailableError,
  ConnectionError,
  ClosedConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError,
];

/** Errors that mean NATS answered and refused (a payload over `max_payload` among them). */
const REFUSED = [JetStreamApiError, JetStreamError, InvalidArgumentError, ProtocolError, PermissionViolationError];

/** NATS's errors in stable words for clients (see `clientText`): their own text names servers and subjects. */
export function natsFailureOf(error: unknown): ServiceFailure | undefined {
  if (UNREACHABLE.some((kind) => error instanceof kind)) return { what: "NATS is unavailable", retryable: true };
  if (REFUSED.some((kind) => error instanceof kind)) return { what: "NATS refused the operation", retryable: false };
  return undefined;
}
