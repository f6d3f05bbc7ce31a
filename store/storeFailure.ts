import {
  MongoClientClosedError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from "mongodb";
import type { ServiceFailure } from "../model/index.ts";

/** The driver's errors that mean the store could not be reached in time, not that it refused. */
const UNREACHABLE = [
  MongoNetworkError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoNotConnectedError,
  MongoServerClosedError,
  MongoClientClosedError,
  MongoOperationTimeoutError,
];

/**
 * The store's errors in stable words for clients (see `clientText`): their own text names hosts,
 * and FerretDB's names its source files.
 */
export function storeFailureOf(error: unknown): ServiceFailure | undefined {
  if (!(error instanceof MongoError)) return undefined;
  if (UNREACHABLE.some((kind) => error instanceof kind) || error.hasErrorLabel("RetryableWriteError")) {
    return { what: "the store is unavailable", retryable: true };
  }
  return { what: "the store refused the operation", retryable: false };
}
