/** NATS cannot take commands right now; nothing of the request was stored. */
export class UnavailableError extends Error {
  override name = "UnavailableError";
  readonly code = "UNAVAILABLE";
}
