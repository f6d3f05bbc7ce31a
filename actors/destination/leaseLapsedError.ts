/**
 * This process's lease on the integration ended (worker.ts): what it was about to do for it (send
 * a call, fetch facts) is not done, and its sync stops, leaving the window unacked for the
 * lease's next holder.
 */
export class LeaseLapsedError extends Error {
  override name = "LeaseLapsedError";
}
